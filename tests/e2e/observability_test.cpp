// Logs and metrics (issue 12), end to end: a real server (SQLite file, HTTP on loopback) through
// a whole simulated sync, API calls, a console sign-in and failed logins of every kind, with the
// log written to a file as text and as JSON. The expected lines are there, no secret is, and
// GET /metrics parses and moved.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "api/api.h"
#include "e2e/harness.h"
#include "http/client.h"
#include "obs/log.h"
#include "obs/metrics.h"

namespace qblink::test {
namespace {

using nlohmann::json;

const std::string kPassword = "Right-Horse-Battery-7731";
const std::string kWrongPassword = "Wrong-Staple-Guess-4410";

// One sample of the exposition format: name, labels, value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Scrape {
  std::map<std::string, std::string> types;  // from # TYPE
  std::set<std::string> helped;              // from # HELP
  std::vector<Sample> samples;

  double value(const std::string& name, const std::map<std::string, std::string>& labels = {},
               double absent = -1) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return absent;
  }
};

// A strict reader of the text format: every line is a comment (# HELP / # TYPE) or a sample
// `name{k="v",...} value`; anything else fails the test.
Scrape parse_exposition(const std::string& text) {
  Scrape out;
  static const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
  static const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0) {
      out.helped.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      out.types[name] = type;
      continue;
    }
    std::smatch m;
    if (!std::regex_match(line, m, sample)) {
      ADD_FAILURE() << "not a sample line: " << line;
      continue;
    }
    Sample s;
    s.name = m[1];
    const std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label), end; it != end; ++it)
      s.labels[(*it)[1]] = (*it)[2];
    const std::string value = m[4];
    s.value = value == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(value);
    out.samples.push_back(std::move(s));
  }
  return out;
}

// Every histogram: per series, le ascending with cumulative counts never falling, a +Inf
// bucket equal to _count, and a _sum.
void expect_well_formed_histograms(const Scrape& s) {
  int histograms = 0;
  for (const auto& [name, type] : s.types) {
    if (type != "histogram") continue;
    ++histograms;
    std::map<std::string, std::vector<std::pair<double, double>>> buckets;  // series -> (le, n)
    std::map<std::string, double> counts, sums;
    for (const auto& x : s.samples) {
      auto labels = x.labels;
      const auto le = labels["le"];
      labels.erase("le");
      std::string key;
      for (const auto& [k, v] : labels) key += k + "=" + v + ",";
      if (x.name == name + "_bucket")
        buckets[key].emplace_back(
            le == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le), x.value);
      else if (x.name == name + "_count")
        counts[key] = x.value;
      else if (x.name == name + "_sum")
        sums[key] = x.value;
    }
    ASSERT_FALSE(buckets.empty()) << name;
    for (const auto& [key, list] : buckets) {
      for (std::size_t i = 1; i < list.size(); ++i) {
        EXPECT_LT(list[i - 1].first, list[i].first) << name << " " << key;
        EXPECT_LE(list[i - 1].second, list[i].second) << name << " " << key;
      }
      EXPECT_TRUE(std::isinf(list.back().first)) << name << " " << key << ": no +Inf bucket";
      ASSERT_TRUE(counts.count(key)) << name << " " << key << ": no _count";
      ASSERT_TRUE(sums.count(key)) << name << " " << key << ": no _sum";
      EXPECT_EQ(list.back().second, counts[key]) << name << " " << key;
      EXPECT_GE(sums[key], 0) << name << " " << key;
    }
  }
  EXPECT_GE(histograms, 1);
}

class Observability : public ::testing::TestWithParam<obs::LogFormat> {
 protected:
  void SetUp() override {
    log_path = (h.dir / "qblink.log").string();
    obs::LogOptions lo;
    lo.format = GetParam();
    lo.level = spdlog::level::info;
    lo.file = log_path;
    obs::setup_logging(lo);
  }
  void TearDown() override {
    h.server->stop();
    obs::setup_logging({});  // back to standard output for the next test
  }

  std::vector<std::string> tickets() {
    // Through the store's raw reads, so that it works on either engine (QBLINK_TEST_STORE).
    std::vector<std::string> out;
    h.store->begin(false)->raw_rows("sessions", {"ticket"},
                                    [&](const store::Tx::RawRow& row) { out.push_back(*row[0]); });
    return out;
  }

  Harness h;
  std::string log_path;
};

TEST_P(Observability, OneLinePerSessionAndRequestFailedLoginsNoSecretsAndMetricsThatMoved) {
  const auto& m = obs::metrics();
  const double ok_before = m.sessions.value("ok");
  const double auth_calls_before = m.soap_calls.value("authenticate");
  const double sent_before = m.adds_sent.value();
  const double confirmed_before = m.adds_confirmed.value();
  const double qbwc_refused_before = m.failed_logins.value("qbwc");
  const double token_refused_before = m.failed_logins.value("api_token");
  const double console_refused_before = m.failed_logins.value("console");

  h.add_tenant("acme", kPassword);
  h.add_accounts("acme", reconcile::AccountKind::Customer,
                 {{"A1", "Alpha Plumbing Ltd", ""}, {"A2", "Beta Heating Inc", ""}});
  auto company = company_from(R"({"customers":[{"name":"Alpha Plumbing Ltd"}]})");
  sim::FakeQuickBooks qb(company);

  // A whole run: A1 links, A2 is added.
  {
    sim::WebConnector wc(h.wc_options("acme", kPassword), qb);
    const auto r = wc.run_session();
    ASSERT_TRUE(r.ok) << r.error;
  }
  // A wrong Web Connector password.
  {
    sim::WebConnector wc(h.wc_options("acme", kWrongPassword), qb);
    const auto r = wc.run_session();
    EXPECT_EQ(r.auth_status, "nvu");
  }

  const auto token = api::create_token(*h.store, std::string("acme"), "field-app", 1).token;
  const auto admin = api::create_token(*h.store, std::nullopt, "ops", 1).token;
  const std::string bad_token = "qbl_" + std::string(64, 'e');
  http::Client client(h.url);
  EXPECT_EQ(
      client.request("GET", "/api/v1/status", "", {{"Authorization", "Bearer " + token}}).status,
      200u);
  // A secret in a query string stays out of the log: the line has the path only.
  EXPECT_EQ(client
                .request("GET", "/api/v1/status?probe=" + token, "",
                         {{"Authorization", "Bearer " + token}})
                .status,
            400u);
  EXPECT_EQ(
      client.request("GET", "/api/v1/accounts", "", {{"Authorization", "Bearer " + bad_token}})
          .status,
      401u);
  EXPECT_EQ(client
                .request("POST", "/api/v1/session",
                         json{{"user", "acme"}, {"password", kWrongPassword}}.dump())
                .status,
            401u);
  const auto signed_in = client.request("POST", "/api/v1/session",
                                        json{{"user", "acme"}, {"password", kPassword}}.dump());
  ASSERT_EQ(signed_in.status, 201u) << signed_in.body;
  const auto csrf = json::parse(signed_in.body)["csrf_token"].get<std::string>();
  std::string cookie;
  for (const auto& [k, v] : signed_in.headers)
    if (k == "Set-Cookie") cookie = v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
  ASSERT_GE(cookie.size(), 16u);
  EXPECT_EQ(client
                .request("GET", "/api/v1/review", "",
                         {{"Cookie", std::string(api::kSessionCookie) + "=" + cookie}})
                .status,
            200u);

  // /metrics: an admin token opens it; nothing else does (loopback is not open by default).
  EXPECT_EQ(client.request("GET", "/metrics", "").status, 401u);
  EXPECT_EQ(client.request("GET", "/metrics", "", {{"Authorization", "Bearer " + token}}).status,
            401u);
  const auto scraped =
      client.request("GET", "/metrics", "", {{"Authorization", "Bearer " + admin}});
  ASSERT_EQ(scraped.status, 200u) << scraped.body;
  EXPECT_NE(scraped.content_type.find("version=0.0.4"), std::string::npos);

  // --- the metrics ---
  const auto s = parse_exposition(scraped.body);
  for (const auto& [name, type] : s.types) EXPECT_TRUE(s.helped.count(name)) << name;
  EXPECT_EQ(s.types.at("qblink_sessions_total"), "counter");
  EXPECT_EQ(s.types.at("qblink_soap_call_duration_seconds"), "histogram");
  EXPECT_EQ(s.types.at("qblink_tenant_last_success_timestamp_seconds"), "gauge");
  EXPECT_EQ(s.types.at("qblink_database_errors_total"), "counter");
  EXPECT_GE(s.value("qblink_sessions_total", {{"outcome", "ok"}}), ok_before + 1);
  EXPECT_GE(s.value("qblink_soap_calls_total", {{"method", "authenticate"}}),
            auth_calls_before + 2);
  EXPECT_GE(s.value("qblink_soap_call_duration_seconds_count", {{"method", "receiveResponseXML"}}),
            1);
  EXPECT_GE(s.value("qblink_adds_sent_total"), sent_before + 1);
  EXPECT_GE(s.value("qblink_adds_confirmed_total"), confirmed_before + 1);
  EXPECT_GE(s.value("qblink_adds_in_doubt_total"), 0);
  EXPECT_GE(s.value("qblink_database_errors_total"), 0);
  EXPECT_GE(s.value("qblink_failed_logins_total", {{"kind", "qbwc"}}), qbwc_refused_before + 1);
  EXPECT_GE(s.value("qblink_failed_logins_total", {{"kind", "api_token"}}),
            token_refused_before + 1);
  EXPECT_GE(s.value("qblink_failed_logins_total", {{"kind", "console"}}),
            console_refused_before + 1);
  EXPECT_EQ(s.value("qblink_tenants"), 1);
  EXPECT_EQ(s.value("qblink_review_queue", {{"tenant", "acme"}}), 0);
  EXPECT_EQ(s.value("qblink_approval_queue", {{"tenant", "acme"}}), 0);
  const double last = s.value("qblink_tenant_last_success_timestamp_seconds", {{"tenant", "acme"}});
  const double now = static_cast<double>(sync::system_clock_seconds());
  EXPECT_GT(last, now - 600);
  EXPECT_LE(last, now + 1);
  expect_well_formed_histograms(s);

  // --- the log ---
  h.server->stop();  // every request's line is written
  const auto log = read_file(log_path);
  std::vector<std::string> lines;
  {
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) lines.push_back(line);
  }
  ASSERT_FALSE(lines.empty());

  if (GetParam() == obs::LogFormat::Json) {
    std::vector<json> objects;
    for (const auto& l : lines) {
      json j;
      ASSERT_NO_THROW(j = json::parse(l)) << l;
      EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("msg")) << l;
      objects.push_back(j);
    }
    const auto find = [&](auto pred) {
      std::vector<json> out;
      for (const auto& j : objects)
        if (pred(j)) out.push_back(j);
      return out;
    };
    const auto sessions = find([](const json& j) { return j["msg"] == "qbwc session ended"; });
    // The good run and the refused login's "nothing" session are not sessions that ran; the
    // refused login has no session at all: exactly one line.
    ASSERT_EQ(sessions.size(), 1u) << log;
    const auto& e = sessions[0];
    EXPECT_EQ(e["tenant"], "acme");
    EXPECT_EQ(e["client_ip"], "127.0.0.1");
    EXPECT_EQ(e["outcome"], "ok");
    EXPECT_EQ(e["linked"], 1);
    EXPECT_EQ(e["added"], 1);
    EXPECT_EQ(e["review"], 0);
    EXPECT_EQ(e["errors"], 0);
    EXPECT_EQ(e["proposed"], 0);
    EXPECT_GE(e["calls"].get<int>(), 4);  // authenticate, send, receive, ..., closeConnection
    EXPECT_GE(e["duration_s"].get<int>(), 0);

    const auto requests = find([](const json& j) { return j["msg"] == "http request"; });
    const auto request = [&](const std::string& method, const std::string& path,
                             unsigned status) -> json {
      for (const auto& r : requests)
        if (r["method"] == method && r["path"] == path && r["status"] == status) return r;
      ADD_FAILURE() << "no request line for " << method << " " << path << " " << status << "\n"
                    << log;
      return json::object();
    };
    EXPECT_EQ(request("GET", "/api/v1/status", 200)["who"], "acme");
    EXPECT_EQ(request("GET", "/api/v1/status", 200)["client_ip"], "127.0.0.1");
    EXPECT_TRUE(request("GET", "/api/v1/status", 200)["duration_ms"].is_number());
    EXPECT_EQ(request("GET", "/api/v1/accounts", 401)["who"], "-");
    EXPECT_EQ(request("POST", "/api/v1/session", 201)["who"], "acme");
    EXPECT_EQ(request("GET", "/api/v1/review", 200)["who"], "acme");

    const auto refused = find([](const json& j) { return j["msg"] == "login refused"; });
    bool token_line = false, console_line = false;
    for (const auto& r : refused) {
      EXPECT_EQ(r["client_ip"], "127.0.0.1");
      token_line |= r["way"] == "api_token";
      console_line |= r["way"] == "console" && r["user"] == "acme";
    }
    EXPECT_TRUE(token_line) << log;
    EXPECT_TRUE(console_line) << log;
    // The Web Connector's refused login names the user and the address.
    const auto wc_refused = find([](const json& j) {
      const auto msg = j["msg"].get<std::string>();
      return msg.find("wrong password for 'acme' from 127.0.0.1") != std::string::npos;
    });
    EXPECT_EQ(wc_refused.size(), 1u) << log;
  } else {
    const auto count = [&](const std::regex& re) {
      std::size_t n = 0;
      for (const auto& l : lines) n += std::regex_search(l, re);
      return n;
    };
    EXPECT_EQ(
        count(std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info qbwc session ended )"
                         R"(tenant=acme client_ip=127\.0\.0\.1 duration_s=\d+ calls=\d+ )"
                         R"(outcome=ok linked=1 added=1 review=0 errors=0 proposed=0 run=\d+$)")),
        1u)
        << log;
    EXPECT_EQ(count(std::regex(R"(http request method=GET path=/api/v1/status status=200 )"
                               R"(duration_ms=[0-9.]+ who=acme client_ip=127\.0\.0\.1$)")),
              1u)
        << log;
    EXPECT_EQ(count(std::regex(R"(login refused way=console user=acme client_ip=127\.0\.0\.1)")),
              1u)
        << log;
    EXPECT_EQ(count(std::regex(R"(login refused way=api_token client_ip=127\.0\.0\.1)")), 1u)
        << log;
    EXPECT_EQ(count(std::regex(R"(wrong password for 'acme' from 127\.0\.0\.1)")), 1u) << log;
  }

  // --- no secret, anywhere ---
  const auto ts = tickets();
  ASSERT_GE(ts.size(), 1u);
  std::vector<std::pair<std::string, std::string>> secrets = {
      {"password", kPassword}, {"wrong password", kWrongPassword}, {"API token", token},
      {"admin token", admin},  {"bad token", bad_token},           {"session cookie", cookie},
      {"CSRF token", csrf}};
  for (const auto& t : ts) secrets.emplace_back("ticket", t);
  for (const auto& [what, value] : secrets) {
    ASSERT_GE(value.size(), 16u) << what;
    EXPECT_EQ(log.find(value), std::string::npos) << "the log shows the " << what;
    // Nor a recognisable part of it (a prefix logged "for reference").
    EXPECT_EQ(log.find(value.substr(0, 12)), std::string::npos) << "the log shows a " << what;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, Observability,
                         ::testing::Values(obs::LogFormat::Text, obs::LogFormat::Json),
                         [](const auto& info) {
                           return info.param == obs::LogFormat::Json ? std::string("Json")
                                                                     : std::string("Text");
                         });

}  // namespace
}  // namespace qblink::test
