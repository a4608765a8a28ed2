// Rule 3's wider net: names a bookkeeper would call "probably the same" are held for review with
// the QuickBooks entry as top candidate and evidence; look-alikes that only share words are not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reconcile/reconcile.h"
#include "reconcile/reconcile_test_support.h"

namespace qblink::reconcile {
namespace {

using namespace fixtures;  // NOLINT: the builders
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A company with unrelated noise around the entry under test, so that IDF has something to say.
std::vector<QbEntry> noise() {
  return {customer("Harbor Freight Plumbing", "N-1"), customer("Linden Roofing", "N-2"),
          customer("Juniper Landscaping Ltd", "N-3"), customer("Smith, John", "N-4"),
          vendor("Ferguson Supply", "N-5"),           customer("Orchard Dental", "N-6"),
          customer("Nolan Electric", "N-7"),          customer("Mason Builders Inc", "N-8")};
}

Decision held(const Account& a, QbEntry target, AccountKind kind = AccountKind::Customer) {
  std::vector<QbEntry> entries = noise();
  entries.push_back(std::move(target));
  const Snapshot qb(std::move(entries));
  return decide(kind, a, qb);
}

void expect_held(const Decision& d, const std::string& list_id, const std::string& evidence) {
  EXPECT_EQ(d.outcome, Outcome::Review) << d.detail;
  EXPECT_EQ(d.reason, Reason::NearMatch) << d.detail;
  ASSERT_FALSE(d.candidates.empty()) << d.detail;
  EXPECT_EQ(d.candidates[0].list_id, list_id) << d.detail;
  EXPECT_THAT(d.candidates[0].evidence, Contains(HasSubstr(evidence))) << d.detail;
  EXPECT_GT(d.candidates[0].score, 0.5);
  EXPECT_THAT(d.detail, HasSubstr(evidence));
}

TEST(Match, LegalSuffixLtd) {
  expect_held(held(account("a", "Acme Plumbing"), customer("Acme Plumbing Ltd", "Q")), "Q",
              "legal suffix differs (Ltd)");
}

TEST(Match, LegalSuffixLlc) {
  expect_held(held(account("a", "Riverside HVAC"), customer("Riverside HVAC LLC", "Q")), "Q",
              "legal suffix differs (LLC)");
}

TEST(Match, LegalSuffixCoVersusCompany) {
  expect_held(held(account("a", "Johnson Electric Co"), customer("Johnson Electric Company", "Q")),
              "Q", "legal suffix differs (Co / Company)");
}

TEST(Match, DottedLegalSuffix) {
  expect_held(held(account("a", "Delta Roofing L.L.C."), customer("Delta Roofing", "Q")), "Q",
              "legal suffix differs (LLC)");
}

TEST(Match, AbbreviationStreet) {
  expect_held(held(account("a", "Baker St Dental"), customer("Baker Street Dental", "Q")), "Q",
              "abbreviation St = Street");
}

TEST(Match, LeadingThe) {
  expect_held(held(account("a", "Green Gardener"), customer("The Green Gardener", "Q")), "Q",
              "leading 'The'");
}

TEST(Match, McSpacing) {
  expect_held(held(account("a", "McDonald Farms"), customer("Mc Donald Farms", "Q")), "Q",
              "Mc/Mac/O' spacing");
  expect_held(held(account("a", "O Brien Roofing"), customer("OBrien Roofing", "Q")), "Q",
              "Mc/Mac/O' spacing");
}

TEST(Match, TitleAndPersonNameOrder) {
  const Decision d = held(account("a", "Mrs Ann Kelly"), customer("Kelly, Ann", "Q"));
  expect_held(d, "Q", "title Mrs dropped");
  EXPECT_THAT(d.candidates[0].evidence, Contains("person name order (Last, First)"));
}

TEST(Match, ExtraGenericWords) {
  const Decision d = held(account("a", "Grainger Industrial Supply"), customer("Grainger", "Q"));
  expect_held(d, "Q", "extra generic word 'Industrial'");
  EXPECT_THAT(d.candidates[0].evidence, Contains("extra generic word 'Supply'"));
  EXPECT_FALSE(is_strong(d.candidates[0]));
}

TEST(Match, TypoInADistinctiveWord) {
  const Decision d = held(account("a", "Pattersn Roofing"), customer("Patterson Roofing", "Q"));
  expect_held(d, "Q", "one letter differs in Patterson");
  EXPECT_FALSE(is_strong(d.candidates[0]));
}

TEST(Match, SamePhoneAndEmailUnderAnotherName) {
  Account a = account("a", "Tom Reyes");
  a.phone = "+1 (555) 201-7788";
  a.email = "Tom@ReyesPools.com";
  QbEntry e = customer("Reyes Pool Services Inc", "Q");
  e.phone = "555.201.7788";
  e.email = "tom@reyespools.com";
  const Decision d = held(a, e);
  expect_held(d, "Q", "same email");
  EXPECT_THAT(d.candidates[0].evidence, Contains("same phone"));
  EXPECT_FALSE(is_strong(d.candidates[0]));
}

TEST(Match, OrdinalsPossessivesInitialsAndAmpersand) {
  expect_held(held(account("a", "3rd Street Bakery"), customer("Third Street Bakery", "Q")), "Q",
              "ordinal 3rd = Third");
  expect_held(held(account("a", "Bob's Plumbing"), customer("Bob Plumbing", "Q")), "Q",
              "possessive");
  expect_held(held(account("a", "JM Roofing"), customer("J & M Roofing", "Q")), "Q", "initials");
  expect_held(held(account("a", "Kowalski Bros"), customer("Kowalski Brothers", "Q")), "Q",
              "abbreviation Bros = Brothers");
}

TEST(Match, CoupleAndQuickBooksNameFields) {
  const Decision couple =
      held(account("a", "John & Mary Whitfield"), customer("Whitfield, John", "Q"));
  expect_held(couple, "Q", "couple's names");
  EXPECT_THAT(couple.candidates[0].evidence, Contains("given name 'Mary'"));
  QbEntry e = customer("Whitaker - Oak Lane", "Q");
  e.first_name = "Dana";
  e.last_name = "Whitaker";
  expect_held(held(account("a", "Dana Whitaker"), e), "Q", "QuickBooks FirstName/LastName");
}

TEST(Match, AccentsBeyondLatin1) {
  expect_held(held(account("a", "Łukasz Wójcik"), customer("Lukasz Wojcik", "Q")), "Q", "accents");
  expect_held(held(account("a", "Nguyễn Văn An"), customer("Nguyen Van An", "Q")), "Q", "accents");
}

TEST(Match, AnotherListIsACandidateButNotStrong) {
  const Decision d = held(account("a", "Acme Plumbing"), vendor("Acme Plumbing Ltd", "V"));
  expect_held(d, "V", "legal suffix differs (Ltd)");
  EXPECT_EQ(d.candidates[0].list, QbList::Vendor);
  EXPECT_FALSE(is_strong(d.candidates[0]));
  EXPECT_THAT(d.detail, HasSubstr("vendor \"Acme Plumbing Ltd\""));
}

TEST(Match, StrongOnlyWhenAloneAndInTheOwnList) {
  const Decision one = held(account("a", "Acme Plumbing"), customer("Acme Plumbing Ltd", "Q"));
  ASSERT_FALSE(one.candidates.empty());
  EXPECT_TRUE(is_strong(one.candidates[0]));
  const Snapshot qb({customer("Acme Plumbing Ltd", "Q1"), customer("Acme Plumbing Inc", "Q2")});
  const Decision two = decide(AccountKind::Customer, account("a", "Acme Plumbing"), qb);
  ASSERT_EQ(two.candidates.size(), 2u);
  EXPECT_FALSE(is_strong(two.candidates[0]));
  EXPECT_FALSE(is_strong(two.candidates[1]));
}

TEST(Match, DetailIsOneLineLedByTheReasonAndNamesTheEvidence) {
  const Decision d = held(account("a", "Acme Plumbing"), customer("Acme Plumbing Ltd", "Q"));
  EXPECT_EQ(d.detail,
            R"(near match (legal suffix differs (Ltd)): "Acme Plumbing" ~ "Acme Plumbing Ltd")");
}

TEST(Match, NeverLinksANonExactName) {
  for (const char* name : {"Acme Plumbing", "ACME PLUMBING LTD", "Acme Plumbing Limited"}) {
    const Decision d = held(account("a", name), customer("Acme Plumbing Ltd", "Q"));
    EXPECT_EQ(d.outcome, Outcome::Review) << name;
    EXPECT_TRUE(d.list_id.empty()) << name;
  }
}

TEST(Match, AccountingNameNearSomethingIsANearMatchNotNotFound) {
  const Decision d = held(account("a", "x", "Acme Plumbing"), customer("Acme Plumbing Ltd", "Q"));
  expect_held(d, "Q", "legal suffix differs (Ltd)");
}

TEST(Match, DeclaredNewSkipsTheWiderNet) {
  const Decision d = held(declared_new("a", "Acme Plumbing"), customer("Acme Plumbing Ltd", "Q"));
  EXPECT_EQ(d.outcome, Outcome::New);
  EXPECT_EQ(d.reason, Reason::DeclaredNew);
}

// --- precision: different customers that merely share words are not held ---

void expect_new(const Account& a, QbEntry other) {
  const Decision d = held(a, std::move(other));
  EXPECT_EQ(d.outcome, Outcome::New) << d.detail;
  EXPECT_EQ(d.reason, Reason::NoMatch) << d.detail;
  EXPECT_THAT(d.candidates, IsEmpty());
}

TEST(Match, SameSurnameAnotherTradeIsNew) {
  expect_new(account("a", "Kowalski Roofing"), customer("Kowalski Plumbing", "Q"));
}

TEST(Match, SameTradeAnotherSurnameIsNew) {
  expect_new(account("a", "Kowalski Roofing"), customer("Nowak Roofing", "Q"));
}

TEST(Match, SameSurnameAnotherFirstNameIsNew) {
  expect_new(account("a", "Smith, Jane"), customer("Smith, Jim", "Q"));
  expect_new(account("a", "Jane Smith"), customer("Smith, John", "Q"));
}

TEST(Match, AnotherTownSameKindOfBusinessIsNew) {
  expect_new(account("a", "Lakeside Dental"), customer("Riverside Dental", "Q"));
}

TEST(Match, ANumberIsNotATypo) {
  expect_new(account("a", "Storage Unit 12"), customer("Storage Unit 13", "Q"));
}

TEST(Match, AccountingNameNothingNearIsStillNotFound) {
  const Decision d = held(account("a", "x", "Kowalski Roofing"), customer("Nowak Roofing", "Q"));
  EXPECT_EQ(d.reason, Reason::NotFoundInQuickBooks);
}

TEST(Match, CandidatesAreCappedAndSortedStrongestFirst) {
  std::vector<QbEntry> entries;
  for (int i = 0; i < 12; ++i) {
    entries.push_back(customer("Zebulon Plumbing " + std::string(i % 2 ? "Ltd" : "Inc") +
                                   std::string(static_cast<std::size_t>(i), ' ') + "x",
                               "Q" + std::to_string(i)));
  }
  entries.push_back(customer("Zebulon Plumbing Ltd", "BEST"));
  for (int i = 0; i < 8; ++i) {
    QbEntry e = customer("Zebulon Heating " + std::to_string(i), "P" + std::to_string(i));
    e.phone = "555-0100";
    entries.push_back(e);
  }
  const Snapshot qb(std::move(entries));
  Account a = account("a", "Zebulon Plumbing");
  a.phone = "555-0100";
  const Decision d = decide(AccountKind::Customer, a, qb);
  ASSERT_EQ(d.reason, Reason::NearMatch);
  ASSERT_LE(d.candidates.size(), 5u);
  EXPECT_EQ(d.candidates[0].list_id, "BEST");
  for (std::size_t i = 1; i < d.candidates.size(); ++i) {
    EXPECT_LE(d.candidates[i].score, d.candidates[i - 1].score);
  }
}

TEST(Match, SameEmailIsShownBesideAFoldEqualNamesake) {
  std::vector<QbEntry> entries = noise();
  entries.push_back(customer("Russo, Siobhan", "NAMESAKE"));
  QbEntry business = customer("Russo Electric", "BUSINESS");
  business.email = "siobhan@russo-electric.example";
  entries.push_back(business);
  const Snapshot qb(std::move(entries));
  Account a = account("a", "Siobhan Russo");
  a.email = "Siobhan@Russo-Electric.example";
  const Decision d = decide(AccountKind::Customer, a, qb);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_EQ(d.candidates.size(), 2u);
  EXPECT_EQ(d.candidates[0].list_id, "NAMESAKE");
  EXPECT_THAT(d.candidates[0].kinds,
              ::testing::ElementsAre(NearKind::Punctuation, NearKind::WordOrder));
  EXPECT_EQ(d.candidates[1].list_id, "BUSINESS");
  EXPECT_THAT(d.candidates[1].evidence, Contains("same email"));
}

TEST(Match, FreeMailDomainAloneIsNoEvidence) {
  Account a = account("a", "Kowalski Roofing");
  a.email = "kowalski.roofing@gmail.com";
  QbEntry e = customer("Nowak Roofing", "Q");
  e.email = "nowak@gmail.com";
  expect_new(a, e);
}

TEST(Match, ThePhoneComparesTheLastTenDigits) {
  Account a = account("a", "Dana Whitaker");
  a.phone = "+1 415-555-0199";
  QbEntry e = customer("Bayview Property Management", "Q");
  e.alt_phone = "(415) 555 0199";
  expect_held(held(a, e), "Q", "same phone");
}

TEST(Match, TheAccountsOwnNameFieldsCount) {
  Account a = account("a", "Bayview PM");
  a.company_name = "Bayview Property Management Ltd";
  expect_held(held(a, customer("Bayview Property Management", "Q")), "Q", "the app's company name");
}

TEST(Match, QuickBooksCompanyNameCounts) {
  QbEntry e = customer("Reyes, Tom", "Q");
  e.company_name = "Reyes Pool Services Inc";
  expect_held(held(account("a", "Reyes Pool Services"), e), "Q", "QuickBooks CompanyName");
}

TEST(Match, AJobIsNotACandidate) {
  expect_new(account("a", "Kitchen Remodel Ltd"), customer("Carter Electric:Kitchen Remodel", "Q"));
}

TEST(Match, APathologicalBlockIsSkipped) {
  // Two thousand entries share "Zeller": no use as a block, so only the other keys can find one.
  std::vector<QbEntry> entries;
  for (int i = 0; i < 2000; ++i) {
    entries.push_back(customer("Zeller Plumbing " + std::to_string(i), "Z" + std::to_string(i)));
  }
  entries.push_back(customer("Zeller Roofing Ltd", "R"));
  const Snapshot qb(std::move(entries));
  const Decision near = decide(AccountKind::Customer, account("a", "Zeller Roofing"), qb);
  EXPECT_EQ(near.reason, Reason::NearMatch);  // the fingerprint key still finds it
  ASSERT_EQ(near.candidates.size(), 1u);
  EXPECT_EQ(near.candidates[0].list_id, "R");
  const Decision other = decide(AccountKind::Customer, account("a", "Zeller Fencing"), qb);
  EXPECT_EQ(other.outcome, Outcome::New);
}

}  // namespace
}  // namespace qblink::reconcile
