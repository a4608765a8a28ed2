#pragma once
// The process's metrics (issue 12): counters and latency histograms that sync/, api/ and the
// HTTP endpoint bump, written in the Prometheus text exposition format (version 0.0.4) by
// GET /metrics. No HTTP and no store here: the per-tenant gauges are read from the store at
// scrape time by the caller and passed to write_tenant_gauges().
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace qblink::obs {

// A counter per value of one label (e.g. sessions by outcome). Thread-safe.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::string label,
                std::vector<std::string> preset = {});
  void add(std::string_view label_value, double n = 1);
  double value(std::string_view label_value) const;
  void write(std::string& out) const;

 private:
  std::string name_, help_, label_;
  mutable std::mutex mu_;
  std::map<std::string, double, std::less<>> values_;
};

// A counter without labels.
class Counter {
 public:
  Counter(std::string name, std::string help);
  void add(double n = 1);
  double value() const;
  void write(std::string& out) const;

 private:
  std::string name_, help_;
  mutable std::mutex mu_;
  double value_ = 0;
};

// Latency histograms in seconds, one per value of one label (e.g. per SOAP method).
class HistogramFamily {
 public:
  // Upper bounds in seconds, ascending; +Inf is implied.
  static constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,    2.5,   5,    10,  30};
  HistogramFamily(std::string name, std::string help, std::string label,
                  std::vector<std::string> preset = {});
  void observe(std::string_view label_value, double seconds);
  std::uint64_t count(std::string_view label_value) const;
  void write(std::string& out) const;

 private:
  struct Series {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // not cumulative; summed on write
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::string name_, help_, label_;
  mutable std::mutex mu_;
  std::map<std::string, Series, std::less<>> series_;
};

// Everything qblink counts. Names are the contract with dashboards and
// deploy/prometheus-alerts.yml: append, never rename.
struct Metrics {
  CounterFamily sessions{"qblink_sessions_total",
                         "Web Connector sessions ended, by outcome (ok, failed, incomplete, "
                         "company_not_open, nothing_to_do, superseded, expired)",
                         "outcome",
                         {"ok", "failed", "incomplete"}};
  CounterFamily soap_calls{"qblink_soap_calls_total",
                           "Web Connector (SOAP) calls answered, by method",
                           "method",
                           {"authenticate", "sendRequestXML", "receiveResponseXML",
                            "closeConnection", "getLastError", "connectionError"}};
  HistogramFamily soap_seconds{
      "qblink_soap_call_duration_seconds",
      "Time to answer a Web Connector call, by method",
      "method",
      {"authenticate", "sendRequestXML", "receiveResponseXML", "closeConnection"}};
  Counter adds_sent{"qblink_adds_sent_total", "Adds sent to QuickBooks"};
  Counter adds_confirmed{"qblink_adds_confirmed_total",
                         "Adds QuickBooks confirmed (answered, or found by the in-doubt query)"};
  Counter adds_in_doubt{"qblink_adds_in_doubt_total",
                        "Adds sent that got no answer: re-queried before anything is resent"};
  Counter database_errors{"qblink_database_errors_total",
                          "Database failures that ended a Web Connector call or an API request"};
  CounterFamily failed_logins{"qblink_failed_logins_total",
                              "Refused logins, by way in (qbwc, api_token, console)",
                              "kind",
                              {"qbwc", "api_token", "console"}};
  CounterFamily http_requests{"qblink_http_requests_total",
                              "HTTP requests answered, by status class (2xx, 3xx, 4xx, 5xx)",
                              "code",
                              {"2xx", "4xx", "5xx"}};

  // Every counter and histogram above, in the exposition format.
  std::string text() const;
};

// The one instance of the process (a metrics registry is process-wide, as Prometheus scrapes a
// process). Tests read differences, never absolute values.
Metrics& metrics();

// What the store says about one tenant at scrape time.
struct TenantGauge {
  std::string tenant;
  std::int64_t review = 0;             // accounts waiting for a review decision
  std::int64_t awaiting_approval = 0;  // adds waiting for approval
  std::int64_t last_success = 0;       // unix seconds of the last run ended "ok"; 0 = never
};
// qblink_tenants, qblink_review_queue{tenant}, qblink_approval_queue{tenant} and
// qblink_tenant_last_success_timestamp_seconds{tenant} (only for tenants with a successful run).
void write_tenant_gauges(std::string& out, const std::vector<TenantGauge>& tenants);

// A label value escaped for the exposition format (backslash, double quote, line feed).
std::string escape_label(std::string_view value);

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace qblink::obs
