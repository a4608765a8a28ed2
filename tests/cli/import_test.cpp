// CSV import as files really are: written here byte for byte as Excel and field-service apps
// write them (BOMs, UTF-16, Windows-1252, semicolons, tabs, trailing ",,", other headers).
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "cli/cli_fixture.h"

namespace qblink::test {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// UTF-16 code units as explicit bytes, little- or big-endian (no BOM: the test writes it).
std::string utf16(std::u16string_view text, bool big_endian = false) {
  std::string out;
  for (const char16_t u : text) {
    const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
    out += big_endian ? hi : lo;
    out += big_endian ? lo : hi;
  }
  return out;
}

class Import : public Cli {
 protected:
  void SetUp() override { add_user("acme"); }
  nlohmann::json customers() {
    const auto r = run("customers list acme --json");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return nlohmann::json::parse(r.out);
  }
  // The accounts as account_id -> name.
  std::map<std::string, std::string> names() {
    std::map<std::string, std::string> out;
    for (const auto& c : customers()) out[c["account_id"]] = c["name"];
    return out;
  }
};

TEST_F(Import, Utf8WithBomCrlfAndLooseHeaders) {
  // Excel "CSV UTF-8": BOM, CRLF, headers as people type them.
  const auto f = put("bom.csv",
                     "\xEF\xBB\xBF"
                     " Account_ID ,Customer Name,QuickBooks Name,E-mail,Zip,Tel\r\n"
                     "C1,Caf\xC3\xA9 M\xC3\xBCller,Caf\xC3\xA9 M\xC3\xBCller Ltd,cm@example.com,"
                     "10115,555-1\r\n"
                     "C2,\"Smith, Mike\",,,,\r\n");
  const auto r = run("customers import acme " + f);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "2 added, 0 updated, 0 unchanged, 0 refused")) << r.out;
  EXPECT_TRUE(has(r.out, "Customer Name -> name")) << "says how it read the headers: " << r.out;
  const auto list = customers();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "Caf\xC3\xA9 M\xC3\xBCller");
  EXPECT_EQ(list[0]["accounting_name"], "Caf\xC3\xA9 M\xC3\xBCller Ltd");
  EXPECT_EQ(list[1]["name"], "Smith, Mike");
}

TEST_F(Import, Utf16LittleEndianTabSeparatedAsExcelUnicodeText) {
  // Excel "Unicode Text (*.txt)": UTF-16LE with BOM, tab-separated, CRLF.
  const auto f = put("unicode.txt", "\xFF\xFE" + utf16(u"account_id\tname\tphone\r\n"
                                                       u"C1\tCaf\u00E9 M\u00FCller\t555\r\n"
                                                       u"C2\tZo\u00EB \u201CZ\u201D Ltd\t\r\n"));
  const auto r = run("customers import acme " + f);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "UTF-16LE")) << r.out;
  EXPECT_TRUE(has(r.out, "tab-separated")) << r.out;
  auto n = names();
  EXPECT_EQ(n["C1"], "Caf\xC3\xA9 M\xC3\xBCller");
  EXPECT_EQ(n["C2"], "Zo\xC3\xAB \xE2\x80\x9CZ\xE2\x80\x9D Ltd");
}

TEST_F(Import, Utf16BigEndianWithBom) {
  const auto f = put("be.txt", "\xFE\xFF" + utf16(u"account_id\tname\nC1\tM\u00FCller\n", true));
  const auto r = run("customers import acme " + f);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(names()["C1"], "M\xC3\xBCller");
}

TEST_F(Import, Windows1252IsDetectedAndSaidSo) {
  // Excel "CSV (Comma delimited)" on a Western Windows: Windows-1252, no BOM.
  const auto f =
      put("cp1252.csv", "account_id,name\r\nC1,Caf\xE9 M\xFCller\r\nC2,\x93Quoted\x94 \x80uro\r\n");
  const auto r = run("customers import acme " + f);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "not UTF-8: read as Windows-1252")) << r.out;
  auto n = names();
  EXPECT_EQ(n["C1"], "Caf\xC3\xA9 M\xC3\xBCller");
  EXPECT_EQ(n["C2"], "\xE2\x80\x9CQuoted\xE2\x80\x9D \xE2\x82\xACuro");
}

TEST_F(Import, ExplicitEncodingsAndAnInvalidByteNamesLineAndColumn) {
  const auto f = put("latin.csv", "account_id,name\nC1,Caf\xE9\n");
  ASSERT_EQ(run("customers import acme " + f + " --encoding cp1252").exit_code, 0);
  EXPECT_EQ(names()["C1"], "Caf\xC3\xA9");
  // Told UTF-8: the byte is named, with its line and column.
  const auto r = run("customers import acme " + f + " --encoding utf-8");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "line 2, column 7")) << r.out;
  EXPECT_TRUE(has(r.out, "0xE9")) << r.out;
  // Valid UTF-8 with one bad byte is damaged UTF-8, not Windows-1252: refused, not guessed.
  const auto g = put("damaged.csv", "account_id,name\nC1,M\xC3\xBCller\nC2,Bad \xFF byte\n");
  const auto d = run("customers import acme " + g);
  EXPECT_NE(d.exit_code, 0);
  EXPECT_TRUE(has(d.out, "line 3, column 8")) << d.out;
  EXPECT_NE(run("customers import acme " + f + " --encoding ebcdic").exit_code, 0);
}

TEST_F(Import, SemicolonSeparatedWithSynonymsAndTrailingEmptyColumns) {
  // European Excel: semicolons, a comma inside a name, and Excel's trailing empty columns.
  const auto f = put("semi.csv",
                     "Account Ref;Name;Phone Number;Postcode;;\r\n"
                     "C1;Smith, Mike;555 1234;SW1A 1AA;;\r\n"
                     "C2;Bolt Co;;;;\r\n"
                     ";;;;;\r\n");
  const auto r = run("customers import acme " + f);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "semicolon-separated")) << r.out;
  EXPECT_TRUE(has(r.out, "2 added")) << r.out;
  EXPECT_EQ(names()["C1"], "Smith, Mike");
  // Also with commas: "a,b,,"
  const auto g = put("trailing.csv", "account_id,name,,\nC3,Harbor,,\n");
  EXPECT_EQ(run("customers import acme " + g).exit_code, 0);
  // A forced delimiter.
  const auto h = put("pipe.csv", "account_id|name\nC4|Pipe Ltd\n");
  const auto p = run("customers import acme " + h + " --delimiter '|'");
  ASSERT_EQ(p.exit_code, 0) << p.out;
  EXPECT_EQ(names()["C4"], "Pipe Ltd");
}

TEST_F(Import, UnknownColumnsAreIgnoredWithAWarningOrRefusedWhenStrict) {
  const auto f = put("extra.csv", "account_id,name,tax_id,Notes\nC1,Acme Ltd,GB123,vip\n");
  const auto strict = run("customers import acme " + f + " --strict");
  EXPECT_NE(strict.exit_code, 0);
  EXPECT_TRUE(has(strict.out, "'tax_id', 'Notes'")) << strict.out;
  EXPECT_TRUE(customers().empty());
  const auto r = run("customers import acme " + f);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "warning: ignored column(s) 'tax_id', 'Notes'")) << r.out;
  EXPECT_EQ(customers().size(), 1u);
}

TEST_F(Import, MapNamesTheAppsColumns) {
  const auto f = put("app.csv", "Cust No,Display,Accounting Setup\nK-1,Acme Ltd,Acme Limited\n");
  const auto missing = run("customers import acme " + f);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_TRUE(has(missing.out, "no 'account_id' column")) << missing.out;
  EXPECT_TRUE(has(missing.out, "--map")) << missing.out;
  const auto r =
      run("customers import acme " + f + " --map 'Cust No=account_id' --map display=name");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto list = customers();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["account_id"], "K-1");
  EXPECT_EQ(list[0]["accounting_name"], "Acme Limited") << "Accounting Setup is a synonym";
  EXPECT_NE(run("customers import acme " + f + " --map 'Cust No=tax_id'").exit_code, 0);
  EXPECT_NE(run("customers import acme " + f + " --map 'Nope=account_id'").exit_code, 0);
  // Two columns that both mean name.
  const auto g = put("twice.csv", "account_id,Name,Customer Name\nC1,A,B\n");
  const auto twice = run("customers import acme " + g);
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_TRUE(has(twice.out, "'Name' and 'Customer Name'")) << twice.out;
}

TEST_F(Import, ControlCharactersAndLineBreaksAreRefusedWithTheirLine) {
  const auto f = put("newline.csv",
                     "account_id,name\r\n"
                     "C1,Good Ltd\r\n"
                     "C2,\"Two\r\nLines Ltd\"\r\n"
                     "C3,Tab\there\r\n"
                     "C4,Fine Co\r\n");
  const auto r = run("customers import acme " + f);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "line 3 (C2): name has a control character (0x0d)")) << r.out;
  EXPECT_TRUE(has(r.out, "line break")) << r.out;
  EXPECT_TRUE(has(r.out, "line 5 (C3)")) << "the physical line, after the embedded break\n"
                                         << r.out;
  EXPECT_TRUE(has(r.out, "2 of 4 customers refused; nothing was written")) << r.out;
  EXPECT_TRUE(has(r.out, "2 added, 0 updated, 0 unchanged, 2 refused")) << r.out;
  EXPECT_TRUE(customers().empty()) << "all or nothing";
  // A stray delimiter outside quotes makes a row longer than the header.
  const auto g = put("long.csv", "account_id,name\nC1,Smith, Mike\n");
  const auto l = run("customers import acme " + g);
  EXPECT_NE(l.exit_code, 0);
  EXPECT_TRUE(has(l.out, "line 2: 3 fields, the header has 2")) << l.out;
}

TEST_F(Import, DryRunCountsAndWritesNothing) {
  const auto f = put("a.csv", "account_id,name\nC1,Acme Ltd\nC2,Bolt Co\n");
  const auto dry = run("customers import acme " + f + " --dry-run");
  ASSERT_EQ(dry.exit_code, 0) << dry.out;
  EXPECT_TRUE(has(dry.out, "dry run")) << dry.out;
  EXPECT_TRUE(has(dry.out, "2 added, 0 updated, 0 unchanged, 0 refused")) << dry.out;
  EXPECT_TRUE(has(dry.out, "nothing was written")) << dry.out;
  EXPECT_TRUE(customers().empty());
  ASSERT_EQ(run("customers import acme " + f).exit_code, 0);
  const auto g = put("b.csv", "account_id,name\nC1,Acme Ltd\nC2,Bolt Company\nC3,New Co\n");
  const auto again = run("customers import acme " + g + " --dry-run");
  EXPECT_TRUE(has(again.out, "1 added, 1 updated, 1 unchanged, 0 refused")) << again.out;
  EXPECT_EQ(names()["C2"], "Bolt Co") << "unchanged by the dry run";
}

TEST_F(Import, SuppliersUseTheSameReader) {
  const auto f = put("s.csv", "\xEF\xBB\xBFSupplier Name;Vendor ID\r\nHarbor Supply;S1\r\n");
  const auto r = run("suppliers import acme " + f);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto list = nlohmann::json::parse(run("suppliers list acme --json").out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["account_id"], "S1");
}

}  // namespace
}  // namespace qblink::test
