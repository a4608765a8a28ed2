// The command-line contract, through the real program: exit codes, one-line errors, JSON output,
// the .qwc file, all-or-nothing imports.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.h"
#include "support/test_support.h"
#include "support/xml_support.h"

namespace qblink::test {
namespace {

TEST_F(Cli, UserAddThenListAndDuplicateIsRefused) {
  add_user("acme");
  const auto dup = run("user add acme --password-stdin", "long-enough-pw\n");
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_NE(dup.out.find("already exists"), std::string::npos) << dup.out;
  const auto list = run("user list --json");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  const auto j = nlohmann::json::parse(list.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["user"], "acme");
}

TEST_F(Cli, ShortPasswordAndMissingStdinAreRefused) {
  EXPECT_NE(run("user add acme --password-stdin", "short\n").exit_code, 0);
  EXPECT_NE(run("user add acme --password-stdin", "").exit_code, 0);
}

TEST_F(Cli, DbOptionIsAcceptedAfterTheCommandToo) {
  const std::string other = (dir / "other.db").string();
  const auto r =
      run("user add late --password-stdin --db '" + other + "'", "long-enough-pw\n", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(other));
}

TEST_F(Cli, QwcHasEveryRequiredElementAndStableIds) {
  add_user("acme & sons");
  const auto a = run("qwc 'acme & sons' --url https://sync.example.com/qbwc --every-minutes 15");
  ASSERT_EQ(a.exit_code, 0) << a.out;
  for (auto el : {"AppName", "AppURL", "AppDescription", "AppSupport", "UserName", "OwnerID",
                  "FileID", "QBType", "RunEveryNMinutes"})
    EXPECT_FALSE(element_text(a.out, el).empty()) << el << " missing:\n" << a.out;
  EXPECT_EQ(element_text(a.out, "UserName"), "acme & sons") << "escaped and well-formed";
  EXPECT_EQ(element_text(a.out, "QBType"), "QBFS");
  EXPECT_EQ(element_text(a.out, "AppSupport"), "https://sync.example.com/support");
  const auto b = run("qwc 'acme & sons' --url https://sync.example.com/qbwc");
  EXPECT_EQ(element_text(a.out, "OwnerID"), element_text(b.out, "OwnerID"));
  EXPECT_EQ(element_text(a.out, "FileID"), element_text(b.out, "FileID"));
  add_user("other");
  const auto c = run("qwc other --url https://sync.example.com/qbwc");
  EXPECT_EQ(element_text(a.out, "OwnerID"), element_text(c.out, "OwnerID")) << "per installation";
  EXPECT_NE(element_text(a.out, "FileID"), element_text(c.out, "FileID")) << "per tenant";
}

TEST_F(Cli, QwcRefusesPlainHttpForARemoteHostAndIpAddresses) {
  add_user("acme");
  auto r = run("qwc acme --url http://sync.example.com/qbwc");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("plain HTTP"), std::string::npos) << r.out;
  r = run("qwc acme --url https://203.0.113.7/qbwc");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(run("qwc acme --url http://localhost:8080/qbwc").exit_code, 0);
}

TEST_F(Cli, ImportIsAllOrNothingAndNamesTheBadLine) {
  add_user("acme");
  write_file(dir / "bad.csv", "account_id,name,accounting_name\nC1,Acme Ltd,\nC2,,\nC3,Bolt Co,\n");
  const auto r = run("customers import acme '" + (dir / "bad.csv").string() + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("line 3"), std::string::npos) << r.out;
  const auto list = nlohmann::json::parse(run("customers list acme --json").out);
  EXPECT_TRUE(list.empty()) << "nothing imported";
}

TEST_F(Cli, ImportUpsertsAndListShowsTheContractFields) {
  add_user("acme");
  write_file(dir / "c.csv",
             "account_id,name,accounting_name,phone\n"
             "C1,\"Smith, Mike\",\"Smith,  Mike\",555\n"
             "C2,\"Café \"\"Le Bon\"\"\",,\n"
             "C3," +
                 std::string(60, 'X') + ",,\n");
  ASSERT_EQ(run("customers import acme '" + (dir / "c.csv").string() + "'").exit_code, 0);
  const auto list = nlohmann::json::parse(run("customers list acme --json").out);
  ASSERT_EQ(list.size(), 3u) << "a long name is accepted at import";
  EXPECT_EQ(list[0]["accounting_name"], "Smith,  Mike") << "spaces kept exactly";
  EXPECT_EQ(list[1]["name"], "Café \"Le Bon\"");
  for (auto key :
       {"account_id", "name", "accounting_name", "status", "list_id", "qb_full_name", "reason"})
    EXPECT_TRUE(list[0].contains(key)) << key;
  EXPECT_EQ(list[0]["status"], "pending");
}

TEST_F(Cli, LinkSetsTheAccountingNameAndUnknownAccountsFail) {
  add_user("acme");
  write_file(dir / "s.csv", "account_id,name\nS1,Harbor Supply\n");
  ASSERT_EQ(run("suppliers import acme '" + (dir / "s.csv").string() + "'").exit_code, 0);
  ASSERT_EQ(run("suppliers link acme S1 'Harbor Supply Co'").exit_code, 0);
  const auto list = nlohmann::json::parse(run("suppliers list acme --json").out);
  EXPECT_EQ(list[0]["accounting_name"], "Harbor Supply Co");
  EXPECT_NE(run("suppliers link acme S9 'X'").exit_code, 0);
  EXPECT_NE(run("customers list nobody").exit_code, 0);
}

TEST_F(Cli, ReviewAndLogOnAFreshTenant) {
  add_user("acme");
  const auto review = run("review acme --json");
  ASSERT_EQ(review.exit_code, 0) << review.out;
  EXPECT_TRUE(nlohmann::json::parse(review.out).empty());
  const auto log = run("log acme --json");
  ASSERT_EQ(log.exit_code, 0) << log.out;
  EXPECT_TRUE(nlohmann::json::parse(log.out).empty());
  EXPECT_NE(run("review reject acme gadget X1").exit_code, 0) << "KIND is checked";
  EXPECT_NE(run("log acme --run 99").exit_code, 0);
}

TEST_F(Cli, ServeRefusesPlainHttpOnAPublicAddress) {
  const auto r = run("serve --listen 0.0.0.0:0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("localhost"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace qblink::test
