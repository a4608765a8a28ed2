#include "sim/xsd_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "support/test_support.h"

namespace qblink::sim {
namespace {

using ::testing::HasSubstr;

// Tests that need the shared reference folder fail (not skip) without it.
#define REQUIRE_REFERENCE()                                                                    \
  if (!test::has_reference()) {                                                                \
    FAIL() << "the reference folder " << test::reference_dir()                                 \
           << " is missing; configure with -DQBLINK_REFERENCE_DIR=<path to shared/reference>"; \
  }

// Compiled once for this file's tests.
const XsdValidator& qbxml_schema() {
  static const auto schema =
      std::make_unique<XsdValidator>(XsdValidator::qbxml13(test::reference_dir() / "qbxml/13.0"));
  return *schema;
}

std::vector<std::filesystem::path> xml_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".xml")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(XsdValidatorTest, AcceptsEveryValidSampleRequest) {
  REQUIRE_REFERENCE();
  auto files = xml_files(test::reference_dir() / "samples/qbxml");
  for (const auto& file : xml_files(test::reference_dir() / "intuit-sdk-samples")) {
    if (file.filename() != "qbxmlops70.annotated.xml") files.push_back(file);  // a template
  }
  ASSERT_GE(files.size(), 20u);
  for (const auto& file : files) {
    const auto result = qbxml_schema().validate(test::read_file(file));
    EXPECT_TRUE(result.valid) << file << ": " << result.error;
  }
}

TEST(XsdValidatorTest, RejectsEveryInvalidSampleSayingWhy) {
  REQUIRE_REFERENCE();
  const auto files = xml_files(test::reference_dir() / "samples/qbxml/invalid");
  ASSERT_EQ(files.size(), 5u);
  for (const auto& file : files) {
    const auto result = qbxml_schema().validate(test::read_file(file));
    EXPECT_FALSE(result.valid) << file;
    EXPECT_THAT(result.error, HasSubstr("line ")) << file;
  }
}

TEST(XsdValidatorTest, OutOfOrderElementIsNamed) {
  REQUIRE_REFERENCE();
  const auto result = qbxml_schema().validate(test::read_file(
      test::reference_dir() / "samples/qbxml/invalid/CustomerAddRq_out-of-order.xml"));
  EXPECT_FALSE(result.valid);
  EXPECT_THAT(result.error, HasSubstr("CompanyName"));
}

TEST(XsdValidatorTest, AcceptsCapturedQuickBooksResponses) {
  REQUIRE_REFERENCE();
  for (const auto& file : xml_files(test::reference_dir() / "captures/qbxml-responses")) {
    if (file.filename().string().starts_with("hotglue_")) continue;  // hand-edited, see SOURCES.md
    const auto result = qbxml_schema().validate(test::read_file(file));
    EXPECT_TRUE(result.valid) << file << ": " << result.error;
  }
}

TEST(XsdValidatorTest, RefusesADoctypeWithoutReadingIt) {
  REQUIRE_REFERENCE();
  const auto result = qbxml_schema().validate(
      "<?xml version=\"1.0\"?>\n<!DOCTYPE QBXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
      "<QBXML><QBXMLMsgsRq onError=\"stopOnError\"><CustomerQueryRq><FullName>&x;</FullName>"
      "</CustomerQueryRq></QBXMLMsgsRq></QBXML>");
  EXPECT_FALSE(result.valid);
  EXPECT_THAT(result.error, HasSubstr("DOCTYPE"));
}

TEST(XsdValidatorTest, RefusesTextThatIsNotWellFormed) {
  REQUIRE_REFERENCE();
  const auto result =
      qbxml_schema().validate("<QBXML><QBXMLMsgsRq onError=\"stopOnError\"></QBXML>");
  EXPECT_FALSE(result.valid);
  EXPECT_THAT(result.error, HasSubstr("not well-formed"));
  EXPECT_FALSE(qbxml_schema().validate("").valid);
}

TEST(XsdValidatorTest, MissingSchemaFileThrowsNamingIt) {
  test::TempDir dir;
  try {
    XsdValidator validator(dir / "nothing.xsd");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("nothing.xsd"));
  }
}

TEST(XsdValidatorTest, BrokenSchemaThrowsWithLibxmlReason) {
  test::TempDir dir;
  test::write_file(dir / "broken.xsd",
                   "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"
                   "<xsd:element name=\"a\" type=\"nope\"/></xsd:schema>");
  try {
    XsdValidator validator(dir / "broken.xsd");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("broken.xsd"));
    EXPECT_THAT(e.what(), HasSubstr("nope"));
  }
}

TEST(XsdValidatorTest, SmallSchemaValidatesAndMoves) {
  test::TempDir dir;
  test::write_file(dir / "a.xsd",
                   "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"
                   "<xsd:element name=\"a\" type=\"xsd:int\"/></xsd:schema>");
  XsdValidator first(dir / "a.xsd");
  XsdValidator validator = std::move(first);
  EXPECT_TRUE(validator.validate("<a>5</a>").valid);
  const auto result = validator.validate("<a>five</a>");
  EXPECT_FALSE(result.valid);
  EXPECT_THAT(result.error, HasSubstr("line 1"));
}

}  // namespace
}  // namespace qblink::sim
