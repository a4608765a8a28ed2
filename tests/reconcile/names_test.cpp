// The name rules on their own: what QuickBooks accepts, and what counts as near.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcile/reconcile.h"

namespace qblink::reconcile {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// --- illegal_name_reason ---

TEST(IllegalName, OrdinaryNamesAreLegal) {
  EXPECT_EQ(illegal_name_reason("Acme Plumbing"), std::nullopt);
  EXPECT_EQ(illegal_name_reason(R"(Tom & Jerry's <Fix> "Pro")"), std::nullopt);
  EXPECT_EQ(illegal_name_reason("Café Crème Brûlée"), std::nullopt);
  EXPECT_EQ(illegal_name_reason("ÿ and \xC2\xA0 (no-break space)"), std::nullopt);
}

TEST(IllegalName, FortyOneCharactersIsTheLimit) {
  EXPECT_EQ(illegal_name_reason(std::string(41, 'a')), std::nullopt);
  const auto why = illegal_name_reason(std::string(42, 'a'));
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("42 characters, at most 41"));
}

TEST(IllegalName, LengthCountsCharactersNotBytes) {
  std::string name;
  for (int i = 0; i < 41; ++i) name += "ü";
  EXPECT_EQ(illegal_name_reason(name), std::nullopt);
  name += "ü";
  EXPECT_TRUE(illegal_name_reason(name).has_value());
}

TEST(IllegalName, ColonIsTheJobSeparator) {
  const auto why = illegal_name_reason("Parent:Job");
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("':'"));
}

TEST(IllegalName, CharactersOutsideLatin1AreRefused) {
  const auto japanese = illegal_name_reason("日本");
  ASSERT_TRUE(japanese.has_value());
  EXPECT_THAT(*japanese, HasSubstr("U+65E5"));
  EXPECT_THAT(*japanese, HasSubstr("ISO-8859-1"));
  // € is in Windows-1252 but not in ISO-8859-1.
  const auto euro = illegal_name_reason("Price €");
  ASSERT_TRUE(euro.has_value());
  EXPECT_THAT(*euro, HasSubstr("U+20AC"));
}

TEST(IllegalName, InvalidUtf8IsRefusedWithItsOffset) {
  const auto lone = illegal_name_reason("ab\xC3");
  ASSERT_TRUE(lone.has_value());
  EXPECT_THAT(*lone, HasSubstr("not valid UTF-8 (byte 0xC3 at offset 2)"));
  EXPECT_TRUE(illegal_name_reason("\xC0\xA0").has_value());          // overlong
  EXPECT_TRUE(illegal_name_reason("\xED\xA0\x80").has_value());      // surrogate
  EXPECT_TRUE(illegal_name_reason("\xF4\x90\x80\x80").has_value());  // beyond U+10FFFF
  EXPECT_TRUE(illegal_name_reason("\xFF").has_value());
}

TEST(IllegalName, EmptyAndBlankAreRefused) {
  EXPECT_EQ(illegal_name_reason(""), "empty");
  const auto blank = illegal_name_reason("   ");
  ASSERT_TRUE(blank.has_value());
  EXPECT_THAT(*blank, HasSubstr("blank"));
}

TEST(IllegalName, ControlCharactersAreRefused) {
  const auto tab = illegal_name_reason("A\tB");
  ASSERT_TRUE(tab.has_value());
  EXPECT_THAT(*tab, HasSubstr("U+0009"));
  EXPECT_TRUE(illegal_name_reason("A\xC2\x85"
                                  "B")
                  .has_value());  // U+0085, a C1 control
}

TEST(IllegalName, EveryReasonThatAppliesIsGiven) {
  const auto why = illegal_name_reason("a:" + std::string(40, 'b') + "€");
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("':'"));
  EXPECT_THAT(*why, HasSubstr("ISO-8859-1"));
  EXPECT_THAT(*why, HasSubstr("43 characters"));
}

// --- near_kinds ---

TEST(NearKinds, EqualNamesAreNotNear) { EXPECT_THAT(near_kinds("Acme", "Acme"), IsEmpty()); }

TEST(NearKinds, DifferentNamesAreNotNear) {
  EXPECT_THAT(near_kinds("Acme Ltd", "Acme Limited"), IsEmpty());
  EXPECT_THAT(near_kinds("Acme Ltd (supplier)", "Acme Ltd"), IsEmpty());
  EXPECT_THAT(near_kinds("Anderson", "& erson"), IsEmpty());
}

TEST(NearKinds, Case) {
  EXPECT_THAT(near_kinds("acme ltd", "ACME Ltd"), ElementsAre(NearKind::Case));
  EXPECT_THAT(near_kinds("ÉCOLE", "école"), ElementsAre(NearKind::Case));
}

TEST(NearKinds, Spaces) {
  EXPECT_THAT(near_kinds("Acme  Ltd", "Acme Ltd"), ElementsAre(NearKind::Spaces));
  EXPECT_THAT(near_kinds(" Acme Ltd", "Acme Ltd"), ElementsAre(NearKind::Spaces));
  EXPECT_THAT(near_kinds("Acme Ltd\t", "Acme Ltd"), ElementsAre(NearKind::Spaces));
  EXPECT_THAT(near_kinds("Acme\xC2\xA0Ltd", "Acme Ltd"), ElementsAre(NearKind::Spaces));
  EXPECT_THAT(near_kinds("Parent : Job", "Parent:Job"), ElementsAre(NearKind::Spaces));
}

TEST(NearKinds, SpacingAroundAnAmpersandIsSpaces) {
  EXPECT_THAT(near_kinds("A&B Plumbing", "A & B Plumbing"), ElementsAre(NearKind::Spaces));
}

TEST(NearKinds, Punctuation) {
  EXPECT_THAT(near_kinds("Acme Ltd.", "Acme Ltd"), ElementsAre(NearKind::Punctuation));
  EXPECT_THAT(near_kinds("O'Brien", "OBrien"), ElementsAre(NearKind::Punctuation));
  EXPECT_THAT(near_kinds("A.B.C. Supply", "ABC Supply"), ElementsAre(NearKind::Punctuation));
  EXPECT_THAT(near_kinds("Smith-Jones", "Smith Jones"), ElementsAre(NearKind::Punctuation));
  EXPECT_THAT(near_kinds("O\xE2\x80\x99"
                         "Brien",
                         "O'Brien"),  // typographic apostrophe
              ElementsAre(NearKind::Punctuation));
}

TEST(NearKinds, Ampersand) {
  EXPECT_THAT(near_kinds("Smith & Sons", "Smith and Sons"), ElementsAre(NearKind::Ampersand));
  EXPECT_THAT(near_kinds("Smith&Sons", "Smith and Sons"),
              ElementsAre(NearKind::Spaces, NearKind::Ampersand));
}

TEST(NearKinds, Accents) {
  EXPECT_THAT(near_kinds("Café", "Cafe"), ElementsAre(NearKind::Accents));
  EXPECT_THAT(near_kinds("Zoë Müller", "Zoe Muller"), ElementsAre(NearKind::Accents));
  EXPECT_THAT(near_kinds("Cæsar", "Caesar"), ElementsAre(NearKind::Accents));
  EXPECT_THAT(near_kinds("ÉCOLE", "ecole"), ElementsAre(NearKind::Case, NearKind::Accents));
}

TEST(NearKinds, WordOrder) {
  EXPECT_THAT(near_kinds("Mike Smith", "Smith Mike"), ElementsAre(NearKind::WordOrder));
  EXPECT_THAT(near_kinds("Smith, Mike", "Mike Smith"),
              ElementsAre(NearKind::Punctuation, NearKind::WordOrder));
}

TEST(NearKinds, SeveralKindsAtOnce) {
  EXPECT_THAT(near_kinds("Acme  Plumbing", "ACME Plumbing"),
              ElementsAre(NearKind::Case, NearKind::Spaces));
  EXPECT_THAT(near_kinds("  smith, MIKE & Sons. ", "Mike Smith and Sons"),
              ElementsAre(NearKind::Case, NearKind::Spaces, NearKind::Punctuation,
                          NearKind::Ampersand, NearKind::WordOrder));
}

TEST(NearKinds, IsSymmetric) {
  EXPECT_EQ(near_kinds("Smith, Mike", "Mike Smith"), near_kinds("Mike Smith", "Smith, Mike"));
  EXPECT_EQ(near_kinds("Café", "CAFE"), near_kinds("CAFE", "Café"));
}

TEST(Utf8ErrorAt, FindsTheFirstInvalidByteAndSaysWhetherMultibyteCameBefore) {
  constexpr auto npos = std::string_view::npos;
  bool multibyte = false;
  EXPECT_EQ(utf8_error_at("Caf\xC3\xA9 M\xC3\xBCller", &multibyte), npos);
  EXPECT_TRUE(multibyte);
  EXPECT_EQ(utf8_error_at("Caf\xE9"), 3u) << "Windows-1252, not UTF-8";
  EXPECT_EQ(utf8_error_at("a\xC0\xAF"), 1u) << "overlong";
  EXPECT_EQ(utf8_error_at("\xED\xA0\x80"), 0u) << "a surrogate";
  EXPECT_EQ(utf8_error_at("ok\xC3"), 2u) << "cut short";
  multibyte = false;
  EXPECT_EQ(utf8_error_at("ascii\xFF", &multibyte), 5u);
  EXPECT_FALSE(multibyte);
}

}  // namespace
}  // namespace qblink::reconcile
