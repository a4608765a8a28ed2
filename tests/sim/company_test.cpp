#include "sim/company.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "sim/qb_time.h"
#include "support/test_support.h"

namespace qblink::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Entity named(std::string name) {
  Entity e;
  e.name = std::move(name);
  return e;
}

Company load_text(const std::string& json) {
  test::TempDir dir;
  test::write_file(dir / "company.json", json);
  return load_company(dir / "company.json");
}

// The message load_company throws for `json`, or "" if it loads.
std::string load_error(const std::string& json) {
  test::TempDir dir;
  const auto path = dir / "company.json";
  test::write_file(path, json);
  try {
    load_company(path);
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, StartsWith(path.string() + ": ")) << "errors must name the file";
    return message;
  }
  return "";
}

TEST(CompanyTest, LoadsATinyHandWrittenFileAndFillsInTheRest) {
  const Company company = load_text(R"({"customers":[{"name":"Acme Ltd"}]})");
  ASSERT_EQ(company.customers.size(), 1u);
  const Entity& acme = company.customers[0];
  EXPECT_EQ(acme.name, "Acme Ltd");
  EXPECT_EQ(acme.full_name, "Acme Ltd");
  EXPECT_EQ(acme.list_id, "80000001-1704096000");
  EXPECT_TRUE(acme.is_active);
  EXPECT_EQ(acme.sublevel, 0);
  EXPECT_EQ(acme.time_created, "2024-01-01T00:00:00-08:00");
  EXPECT_EQ(acme.time_modified, acme.time_created);
  EXPECT_EQ(acme.edit_sequence, "1704096000");
  EXPECT_EQ(company.next_id, 2);
  EXPECT_EQ(company.country, "US");
  EXPECT_EQ(company.qbxml_major, 13);
}

TEST(CompanyTest, JobsNamedByFullNameFindTheirParentInAnyOrder) {
  const Company company = load_text(R"({"customers":[
      {"full_name":"Acme:Roof:Phase 1"}, {"full_name":"acme:Roof"}, {"name":"Acme"}]})");
  ASSERT_EQ(company.customers.size(), 3u);
  const Entity& phase = company.customers[0];
  const Entity& roof = company.customers[1];
  const Entity& acme = company.customers[2];
  EXPECT_EQ(roof.name, "Roof");
  EXPECT_EQ(roof.full_name, "Acme:Roof") << "the parent's spelling wins";
  EXPECT_EQ(roof.parent_list_id, acme.list_id);
  EXPECT_EQ(roof.sublevel, 1);
  EXPECT_EQ(phase.name, "Phase 1");
  EXPECT_EQ(phase.parent_list_id, roof.list_id);
  EXPECT_EQ(phase.sublevel, 2);
}

TEST(CompanyTest, JobsNamedByParentListIdGetTheirFullName) {
  const Company company = load_text(R"({"customers":[
      {"name":"Kitchen","parent_list_id":"80000007-1"},
      {"name":"Kitchen","parent_list_id":"80000008-1"},
      {"list_id":"80000007-1","name":"Smith"}, {"list_id":"80000008-1","name":"Jones"}]})");
  EXPECT_EQ(company.customers[0].full_name, "Smith:Kitchen");
  EXPECT_EQ(company.customers[1].full_name, "Jones:Kitchen")
      << "jobs of different parents may share a Name";
  EXPECT_GE(company.next_id, 9) << "new ListIDs must not reuse the file's";
}

TEST(CompanyTest, ClockMovesPastTheLatestRecordedChange) {
  const Company company = load_text(R"({"clock":5,"vendors":[
      {"name":"V","time_created":"2024-01-01T00:00:00-08:00","time_modified":"2024-02-01T00:00:00-08:00"}]})");
  EXPECT_EQ(company.clock, 31 * 86400);
  EXPECT_EQ(company.vendors[0].edit_sequence, std::to_string(kClockEpoch + 31 * 86400));
}

TEST(CompanyTest, ClockTimesAreMinus8HoursAndParseBack) {
  EXPECT_EQ(format_qb_datetime(kClockEpoch), "2024-01-01T00:00:00-08:00");
  EXPECT_EQ(format_qb_datetime(kClockEpoch + 86400 * 60 + 3661), "2024-03-01T01:01:01-08:00");
  EXPECT_EQ(parse_qb_datetime("2024-01-01T00:00:00-08:00"), kClockEpoch);
  EXPECT_EQ(parse_qb_datetime("2024-01-01T00:00:00"), kClockEpoch) << "no offset: company time";
  EXPECT_EQ(parse_qb_datetime("2024-01-01T08:00:00+00:00"), kClockEpoch);
  EXPECT_EQ(parse_qb_datetime("2024-1-1T0:0:0"), kClockEpoch) << "the XSD allows one digit";
  EXPECT_EQ(parse_qb_datetime("2024-01-01"), kClockEpoch);
  EXPECT_EQ(parse_qb_datetime("2024-01-01", true), kClockEpoch + 86399);
  EXPECT_EQ(parse_qb_datetime("2024-01-01T10", true), kClockEpoch + 10 * 3600 + 3599);
  for (const char* bad :
       {"", "2024", "2024-02-30", "2024-13-01", "2024-01-01T24:00:00", "2024-01-01T10:00:00Z",
        "2024-01-01 10:00:00", "2024-01-01T10:00:00-08"}) {
    EXPECT_FALSE(parse_qb_datetime(bad)) << bad;
  }
}

TEST(CompanyTest, SaveAndLoadRoundTripEveryField) {
  Company company;
  company.company_name = "Round Trip Co";
  company.file_path = "C:\\Company Files\\rt.QBW";
  company.country = "CA";
  company.product_name = "QuickBooks Premier 2013";
  company.qbxml_major = 12;
  company.qbxml_minor = 0;
  company.file_ids["{11111111-2222-3333-4444-555555555555}"] =
      "{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}";
  company.clock = 42;
  Entity acme;
  acme.name = "Acmé & Sons";
  acme.is_active = false;
  acme.company_name = "Acmé & Sons Ltd";
  acme.salutation = "Ms.";
  acme.first_name = "Zoë";
  acme.middle_name = "Q";
  acme.last_name = "O'Neil";
  acme.job_title = "Owner";
  acme.phone = "555-0100";
  acme.mobile = "555-0101";
  acme.alt_phone = "555-0102";
  acme.fax = "555-0103";
  acme.email = "a@example.com";
  acme.contact = "Zoë O'Neil";
  acme.account_number = "C-1";
  acme.notes = "line one\nline two";
  acme.address = {"1 Main St", "Suite 2", "Springfield", "IL", "62701", "US"};
  acme.balance_cents = 12345;
  company.customers.push_back(acme);
  Entity job;
  job.full_name = "Acmé & Sons:Roof";
  job.balance_cents = -50;
  company.customers.push_back(job);
  company.vendors.push_back(named("Northwind"));
  company.employees.push_back(named("Pat Lee"));
  company.other_names.push_back(named("Otto"));
  normalize_company(company);

  test::TempDir dir;
  save_company(company, dir / "company.json");
  const Company loaded = load_company(dir / "company.json");
  EXPECT_EQ(loaded, company);
  EXPECT_EQ(loaded.customers[1].full_name, "Acmé & Sons:Roof");
  EXPECT_EQ(loaded.customers[1].parent_list_id, loaded.customers[0].list_id);
}

TEST(CompanyTest, SaveReplacesTheFileAndLeavesNoTemporaryFiles) {
  test::TempDir dir;
  const auto path = dir / "company.json";
  Company company = load_text(R"({"customers":[{"name":"First"}]})");
  save_company(company, path);
  company.customers[0].name = company.customers[0].full_name = "Second";
  save_company(company, path);
  EXPECT_EQ(load_company(path).customers[0].name, "Second");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++files;
  EXPECT_EQ(files, 1u);
}

TEST(CompanyTest, SaveIntoAMissingFolderFailsNamingIt) {
  test::TempDir dir;
  try {
    save_company(Company{}, dir / "no-such-folder" / "company.json");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no-such-folder"));
  }
}

TEST(CompanyTest, MissingFileIsNamed) {
  test::TempDir dir;
  try {
    load_company(dir / "absent.json");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("absent.json"));
    EXPECT_THAT(e.what(), HasSubstr("cannot open"));
  }
}

struct BadFile {
  const char* json;
  const char* expected;  // part of the message
};

class CompanyErrorTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(CompanyErrorTest, NamesTheProblem) {
  EXPECT_THAT(load_error(GetParam().json), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    BadFiles, CompanyErrorTest,
    ::testing::Values(
        BadFile{R"({"customers": [)", "not valid JSON"},
        BadFile{R"([])", "top level: expected an object, got array"},
        BadFile{R"({"customers":{}})", "customers: expected an array"},
        BadFile{R"({"customrs":[]})", "top level: unknown field \"customrs\""},
        BadFile{R"({"customers":[{"nmae":"x"}]})", "customers[0]: unknown field \"nmae\""},
        BadFile{R"({"customers":[{"name":5}]})",
                "customers[0].name: expected a string, got number"},
        BadFile{R"({"customers":[{"name":"A","is_active":"yes"}]})",
                "customers[0].is_active: expected true or false"},
        BadFile{R"({"customers":[{"name":"A","address":{"street":"x"}}]})",
                "customers[0].address: unknown field \"street\""},
        BadFile{R"({"customers":[{}]})", "customers[0]: missing \"name\""},
        BadFile{R"({"customers":[{"name":"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"}]})",
                "name is longer than 41 characters"},
        BadFile{R"({"vendors":[{"name":"A:B"}]})", "vendors[0] (\"A:B\"): name contains ':'"},
        BadFile{R"({"employees":[{"name":"Zoë 北京"}]})", "outside ISO-8859-1"},
        BadFile{
            R"({"customers":[{"name":"Acme","is_active":false}],"vendors":[{"name":"ACME"}]})",
            "vendors[0] (\"ACME\"): the name \"ACME\" is already used by customers[0] (\"Acme\")"},
        BadFile{
            R"({"employees":[{"name":"Pat"}],"other_names":[{"name":"pat"}]})",
            "other_names[0] (\"pat\"): the name \"pat\" is already used by employees[0] (\"Pat\")"},
        BadFile{R"({"customers":[{"name":"A"},{"full_name":"a"}]})",
                "is already used by customers[0]"},
        BadFile{R"({"customers":[{"name":"Job","parent_list_id":"X-1"}]})",
                "parent_list_id \"X-1\" is not the ListID of a customer"},
        BadFile{
            R"({"customers":[{"name":"Acme"},{"name":"Top","full_name":"Acme:Roof"}]})",
            "full_name \"Acme:Roof\" does not match its name and parent (expected \"Acme:Top\")"},
        BadFile{R"({"customers":[{"full_name":"Nobody:Job"}]})",
                "no customer has the FullName \"Nobody\""},
        BadFile{R"({"vendors":[{"name":"V","parent_list_id":"X-1"}]})",
                "only customers can have a parent"},
        BadFile{R"({"customers":[{"list_id":"1-1","name":"A"},{"list_id":"1-1","name":"B"}]})",
                "list_id \"1-1\" is already used by customers[0]"},
        BadFile{R"({"customers":[{"name":"A","time_modified":"yesterday"}]})",
                "\"yesterday\" is not a qbXML date-time"},
        BadFile{R"({"country":"FR"})", "country: \"FR\" is not one of US, CA, UK"},
        BadFile{R"({"qbxml_major":0})", "qbxml_major: 0 is out of range"},
        BadFile{
            R"({"customers":[{"name":"A","company_name":"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"}]})",
            "company_name is longer than 41 characters"},
        BadFile{R"({"customers":[{"name":"L0"},{"full_name":"L0:L1"},{"full_name":"L0:L1:L2"},
                   {"full_name":"L0:L1:L2:L3"},{"full_name":"L0:L1:L2:L3:L4"},{"full_name":"L0:L1:L2:L3:L4:L5"}]})",
                "at most 5 levels deep"}));

}  // namespace
}  // namespace qblink::sim
