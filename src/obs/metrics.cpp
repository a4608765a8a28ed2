// Hand-written rather than prometheus-cpp: Debian 12 has it (prometheus-cpp-dev 1.0), but its
// pull part brings its own HTTP server (we answer on our listener), and the core alone would be
// one more runtime dependency of the package for four metric kinds in a small, stable text
// format (tests/e2e/observability_test.cpp reads it back with a strict parser).
#include "obs/metrics.h"

#include <fmt/format.h>

#include <cmath>

namespace qblink::obs {
namespace {

void header(std::string& out, const std::string& name, const std::string& help,
            std::string_view type) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

}  // namespace

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

CounterFamily::CounterFamily(std::string name, std::string help, std::string label,
                             std::vector<std::string> preset)
    : name_(std::move(name)), help_(std::move(help)), label_(std::move(label)) {
  // Preset series exist from the start, so increase() sees their first step.
  for (auto& v : preset) values_.emplace(std::move(v), 0.0);
}

void CounterFamily::add(std::string_view label_value, double n) {
  std::lock_guard lock(mu_);
  auto it = values_.find(label_value);
  if (it == values_.end()) it = values_.emplace(std::string(label_value), 0.0).first;
  it->second += n;
}

double CounterFamily::value(std::string_view label_value) const {
  std::lock_guard lock(mu_);
  const auto it = values_.find(label_value);
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::write(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mu_);
  for (const auto& [v, n] : values_)
    fmt::format_to(std::back_inserter(out), "{}{{{}=\"{}\"}} {}\n", name_, label_, escape_label(v),
                   number(n));
}

Counter::Counter(std::string name, std::string help)
    : name_(std::move(name)), help_(std::move(help)) {}

void Counter::add(double n) {
  std::lock_guard lock(mu_);
  value_ += n;
}

double Counter::value() const {
  std::lock_guard lock(mu_);
  return value_;
}

void Counter::write(std::string& out) const {
  header(out, name_, help_, "counter");
  fmt::format_to(std::back_inserter(out), "{} {}\n", name_, number(value()));
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::string label,
                                 std::vector<std::string> preset)
    : name_(std::move(name)), help_(std::move(help)), label_(std::move(label)) {
  for (auto& v : preset) series_.emplace(std::move(v), Series{});
}

void HistogramFamily::observe(std::string_view label_value, double seconds) {
  std::lock_guard lock(mu_);
  auto it = series_.find(label_value);
  if (it == series_.end()) it = series_.emplace(std::string(label_value), Series{}).first;
  auto& s = it->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++s.buckets[i];
      break;
    }
  }
  ++s.count;
  s.sum += seconds;
}

std::uint64_t HistogramFamily::count(std::string_view label_value) const {
  std::lock_guard lock(mu_);
  const auto it = series_.find(label_value);
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::write(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::lock_guard lock(mu_);
  for (const auto& [v, s] : series_) {
    const auto label = escape_label(v);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      fmt::format_to(std::back_inserter(out), "{}_bucket{{{}=\"{}\",le=\"{}\"}} {}\n", name_,
                     label_, label, number(kBuckets[i]), cumulative);
    }
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{}=\"{}\",le=\"+Inf\"}} {}\n", name_,
                   label_, label, s.count);
    fmt::format_to(std::back_inserter(out), "{}_sum{{{}=\"{}\"}} {}\n", name_, label_, label,
                   number(s.sum));
    fmt::format_to(std::back_inserter(out), "{}_count{{{}=\"{}\"}} {}\n", name_, label_, label,
                   s.count);
  }
}

std::string Metrics::text() const {
  std::string out;
  sessions.write(out);
  soap_calls.write(out);
  soap_seconds.write(out);
  adds_sent.write(out);
  adds_confirmed.write(out);
  adds_in_doubt.write(out);
  database_errors.write(out);
  failed_logins.write(out);
  http_requests.write(out);
  return out;
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

void write_tenant_gauges(std::string& out, const std::vector<TenantGauge>& tenants) {
  auto& o = out;
  header(o, "qblink_tenants", "Tenants (Web Connector users) in the database", "gauge");
  fmt::format_to(std::back_inserter(o), "qblink_tenants {}\n", tenants.size());
  header(o, "qblink_review_queue", "Accounts waiting for a review decision, per tenant", "gauge");
  for (const auto& t : tenants)
    fmt::format_to(std::back_inserter(o), "qblink_review_queue{{tenant=\"{}\"}} {}\n",
                   escape_label(t.tenant), t.review);
  header(o, "qblink_approval_queue", "Adds waiting for the admin's approval, per tenant", "gauge");
  for (const auto& t : tenants)
    fmt::format_to(std::back_inserter(o), "qblink_approval_queue{{tenant=\"{}\"}} {}\n",
                   escape_label(t.tenant), t.awaiting_approval);
  header(o, "qblink_tenant_last_success_timestamp_seconds",
         "Unix time the tenant's last successful run ended (tenants that never had one: absent)",
         "gauge");
  for (const auto& t : tenants) {
    if (t.last_success <= 0) continue;
    fmt::format_to(std::back_inserter(o),
                   "qblink_tenant_last_success_timestamp_seconds{{tenant=\"{}\"}} {}\n",
                   escape_label(t.tenant), t.last_success);
  }
}

}  // namespace qblink::obs
