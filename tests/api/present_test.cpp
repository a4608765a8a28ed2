// The JSON presentation shared by the API and the CLI: the direct writer must produce what
// nlohmann would parse back to the same values, whatever the text holds.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/present.h"

namespace qblink {
namespace {

using json = nlohmann::json;

TEST(JsonWriter, EscapesEveryStringAsNlohmannReadsIt) {
  const std::string texts[] = {
      "",
      "plain",
      "quote \" and backslash \\",
      std::string("controls \b\f\n\r\t \x01 \x1f and a NUL: ") + '\0' + ".",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "\x7f delete stays"};
  for (const auto& t : texts) {
    std::string out;
    api::append_json_string(out, t);
    EXPECT_EQ(json::parse(out).get<std::string>(), t) << out;
    EXPECT_EQ(out, json(t).dump()) << "the same bytes as nlohmann's own dump";
  }
  // Bad UTF-8 becomes U+FFFD, never an answer that does not parse.
  std::string out;
  api::append_json_string(out, "bad \xff\xfe byte \xc3");
  EXPECT_EQ(json::parse(out).get<std::string>(), "bad \xef\xbf\xbd\xef\xbf\xbd byte \xef\xbf\xbd");
}

TEST(JsonWriter, PlacesCommasAndNestsValues) {
  std::string out;
  api::JsonWriter w(out);
  w.begin_object()
      .field("a", 1)
      .field("b", "two")
      .key("c")
      .begin_array()
      .value(true)
      .null()
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .value(std::int64_t{-9'000'000'000})
      .end_array()
      .field("d", json{{"x", 1.5}})
      .field("e", false)
      .end_object();
  EXPECT_EQ(json::parse(out), json::parse(R"({"a":1,"b":"two","c":[true,null,{},[],-9000000000],)"
                                          R"("d":{"x":1.5},"e":false})"));
}

TEST(JsonWriter, AnAccountHasEveryFieldAndItsCandidates) {
  store::AccountRow a;
  a.account_id = "C1";
  a.name = "Acme \"Plumbing\"";
  a.status = "review";
  a.changed_at = 42;
  a.declared_new = true;
  a.candidates = R"([{"list":"customer","list_id":"8-1","full_name":"Acme Plumbing",)"
                 R"("is_active":true,"score":0.9,"strong":true,"evidence":["same phone"],)"
                 R"("contact":{"phone":"555"}}])";
  std::string out;
  api::JsonWriter w(out);
  api::write_account(w, a, true);
  const auto j = json::parse(out);
  EXPECT_EQ(j.size(), 23u);
  EXPECT_EQ(j["kind"], "customer");
  EXPECT_EQ(j["name"], "Acme \"Plumbing\"");
  EXPECT_EQ(j["change"], 42);
  EXPECT_EQ(j["declared_new"], true);
  EXPECT_EQ(j["candidates"], api::candidates_json(admin::parse_candidates(a.candidates)));
  EXPECT_EQ(j["candidates"][0]["contact"]["phone"], "555");
  EXPECT_EQ(j["candidates"][0]["evidence"][0], "same phone");
}

}  // namespace
}  // namespace qblink
