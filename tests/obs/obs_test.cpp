// The metrics writer and the log's line formats (issue 12), on their own: histogram buckets,
// label escaping, JSON lines that stay JSON whatever a field carries, text fields that cannot
// forge a second line.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "obs/log.h"
#include "obs/metrics.h"
#include "support/test_support.h"

namespace qblink::obs {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfCountAndSum) {
  HistogramFamily h("t_seconds", "test", "method");
  h.observe("a", 0.003);  // first bucket
  h.observe("a", 0.2);    // le=0.25
  h.observe("a", 99);     // only +Inf
  std::string out;
  h.write(out);
  EXPECT_TRUE(has(out, "# TYPE t_seconds histogram\n")) << out;
  EXPECT_TRUE(has(out, "t_seconds_bucket{method=\"a\",le=\"0.005\"} 1\n")) << out;
  EXPECT_TRUE(has(out, "t_seconds_bucket{method=\"a\",le=\"0.1\"} 1\n")) << out;
  EXPECT_TRUE(has(out, "t_seconds_bucket{method=\"a\",le=\"0.25\"} 2\n")) << out;
  EXPECT_TRUE(has(out, "t_seconds_bucket{method=\"a\",le=\"30\"} 2\n")) << out;
  EXPECT_TRUE(has(out, "t_seconds_bucket{method=\"a\",le=\"+Inf\"} 3\n")) << out;
  EXPECT_TRUE(has(out, "t_seconds_count{method=\"a\"} 3\n")) << out;
  EXPECT_TRUE(has(out, "t_seconds_sum{method=\"a\"} 99.203\n")) << out;
  EXPECT_EQ(h.count("a"), 3u);
}

TEST(Metrics, PresetSeriesStartAtZeroAndLabelsAreEscaped) {
  CounterFamily c("t_total", "test", "tenant", {"ok"});
  c.add("a\"b\\c\nd", 2);
  std::string out;
  c.write(out);
  EXPECT_TRUE(has(out, "t_total{tenant=\"ok\"} 0\n")) << out;
  EXPECT_TRUE(has(out, "t_total{tenant=\"a\\\"b\\\\c\\nd\"} 2\n")) << out;
  EXPECT_EQ(c.value("a\"b\\c\nd"), 2);
}

TEST(Metrics, TenantGaugesOmitTenantsThatNeverSucceeded) {
  std::string out;
  write_tenant_gauges(out, {{"acme", 3, 1, 1700000000}, {"new", 0, 0, 0}});
  EXPECT_TRUE(has(out, "qblink_tenants 2\n")) << out;
  EXPECT_TRUE(has(out, "qblink_review_queue{tenant=\"acme\"} 3\n")) << out;
  EXPECT_TRUE(has(out, "qblink_approval_queue{tenant=\"new\"} 0\n")) << out;
  EXPECT_TRUE(
      has(out, "qblink_tenant_last_success_timestamp_seconds{tenant=\"acme\"} 1700000000\n"))
      << out;
  EXPECT_FALSE(has(out, "qblink_tenant_last_success_timestamp_seconds{tenant=\"new\"}")) << out;
}

class LogLines : public ::testing::Test {
 protected:
  std::vector<std::string> lines() {
    spdlog::default_logger()->flush();
    std::istringstream in(test::read_file(path));
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void TearDown() override { setup_logging({}); }
  test::TempDir dir;
  std::string path = (dir / "t.log").string();
};

TEST_F(LogLines, JsonLinesStayJsonWhateverTheFieldsCarry) {
  setup_logging({LogFormat::Json, spdlog::level::info, path});
  event(spdlog::level::info, "thing happened",
        {{"user", "a\"b\nc\\d"}, {"bad_utf8", std::string("x\xff\xfey")}, {"n", 42}, {"s", 1.5}});
  spdlog::warn("plain {} line", "spdlog");
  event(spdlog::level::debug, "below the level", {{"x", 1}});
  const auto got = lines();
  ASSERT_EQ(got.size(), 2u);
  const auto j = nlohmann::json::parse(got[0]);
  EXPECT_EQ(j["msg"], "thing happened");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["user"], "a\"b\nc\\d");
  EXPECT_EQ(j["n"], 42);
  EXPECT_DOUBLE_EQ(j["s"].get<double>(), 1.5);
  EXPECT_TRUE(j["bad_utf8"].is_string());
  EXPECT_EQ(j["time"].get<std::string>().back(), 'Z');
  const auto w = nlohmann::json::parse(got[1]);
  EXPECT_EQ(w["msg"], "plain spdlog line");
  EXPECT_EQ(w["level"], "warning");
  EXPECT_FALSE(w.contains("user")) << "fields belong to their own event only";
}

TEST_F(LogLines, TextFieldsAreQuotedAndCannotForgeALine) {
  setup_logging({LogFormat::Text, spdlog::level::debug, path});
  event(spdlog::level::info, "login refused",
        {{"user", "eve\n2026-01-01T00:00:00.000Z info qbwc session ended"},
         {"client_ip", "10.0.0.1"},
         {"empty", ""}});
  const auto got = lines();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(has(got[0],
                  " info login refused user=\"eve\\x0a2026-01-01T00:00:00.000Z info qbwc "
                  "session ended\" client_ip=10.0.0.1 empty=\"\""))
      << got[0];
}

TEST_F(LogLines, ReopenStartsANewFileByTheSameName) {
  setup_logging({LogFormat::Text, spdlog::level::info, path});
  spdlog::info("before");
  std::filesystem::rename(path, path + ".1");
  spdlog::info("still the moved file");
  ASSERT_TRUE(reopen_log_file());
  spdlog::info("after");
  EXPECT_TRUE(has(test::read_file(path + ".1"), "still the moved file"));
  EXPECT_TRUE(has(test::read_file(path), "after"));
  EXPECT_FALSE(has(test::read_file(path), "before"));
}

TEST(LogOptions, ParseFormatsAndLevels) {
  EXPECT_EQ(parse_log_format("json"), LogFormat::Json);
  EXPECT_EQ(parse_log_format("xml"), std::nullopt);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
  EXPECT_EQ(parse_log_level("loud"), std::nullopt);
  EXPECT_THROW(setup_logging({LogFormat::Text, spdlog::level::info, "/no/such/dir/q.log"}),
               std::runtime_error);
}

}  // namespace
}  // namespace qblink::obs
