// The rules of reconciliation (design.md section 2), one or more tests per rule.
#include "reconcile/reconcile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcile/reconcile_test_support.h"

namespace qblink::reconcile {
namespace {

using namespace fixtures;  // NOLINT: the builders
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// The company most tests run against: customers, a job, an inactive customer, vendors, an
// employee and an other name.
Snapshot company() {
  return Snapshot({
      customer("ACME Plumbing", "C-1"),
      customer("Baker Bros", "C-2"),
      customer("Carter Electric", "C-3"),
      customer("Carter Electric:Kitchen Remodel", "C-4"),
      customer("Dormant Designs", "C-5", /*is_active=*/false),
      customer("Acme Ltd", "C-6"),
      vendor("Supply House", "V-1"),
      vendor("Timber Yard", "V-2"),
      entry(QbList::Employee, "Jane Roe", "E-1"),
      entry(QbList::OtherName, "Petty Cash", "O-1"),
  });
}

Decision decide_customer(const Account& a) {
  const Snapshot qb = company();
  return decide(AccountKind::Customer, a, qb);
}

Decision decide_supplier(const Account& a) {
  const Snapshot qb = company();
  return decide(AccountKind::Supplier, a, qb);
}

// --- the seed case ---

TEST(Reconcile, SeedCaseLinksThreeExactAccountingNamesAndAddsTwoNew) {
  const Snapshot qb = company();
  const std::vector<Account> accounts = {
      account("a1", "Acme", "ACME Plumbing"),
      account("a2", "Baker", "Baker Bros"),
      account("a3", "Carter", "Carter Electric"),
      account("a4", "Fresh Start Bakery"),
      account("a5", "Green Gardens"),
  };
  const std::vector<Decision> d = reconcile(AccountKind::Customer, accounts, qb);
  ASSERT_THAT(d, SizeIs(5));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(d[i].outcome, Outcome::Linked) << i;
    EXPECT_EQ(d[i].reason, Reason::ExactAccountingName) << i;
  }
  EXPECT_EQ(d[0].list_id, "C-1");
  EXPECT_EQ(d[0].full_name, "ACME Plumbing");
  EXPECT_EQ(d[2].list_id, "C-3");
  EXPECT_EQ(d[3].account_id, "a4");
  EXPECT_EQ(d[3].outcome, Outcome::New);
  EXPECT_EQ(d[3].reason, Reason::NoMatch);
  EXPECT_EQ(d[3].full_name, "Fresh Start Bakery");
  EXPECT_EQ(d[4].outcome, Outcome::New);
  EXPECT_EQ(d[4].full_name, "Green Gardens");
}

// --- rule 1: linked by ListID ---

TEST(Reconcile, LinkedAccountStaysLinkedWhileItsListIdExists) {
  const Decision d = decide_customer(linked_account("a1", "Acme", "ACME Plumbing", "C-1"));
  EXPECT_EQ(d.outcome, Outcome::Linked);
  EXPECT_EQ(d.reason, Reason::StillLinked);
  EXPECT_EQ(d.list_id, "C-1");
  EXPECT_EQ(d.full_name, "ACME Plumbing");
}

TEST(Reconcile, RenameInQuickBooksIsFollowedByListId) {
  const Decision d = decide_customer(linked_account("a1", "Acme", "Acme Plumbing Inc", "C-1"));
  EXPECT_EQ(d.outcome, Outcome::Renamed);
  EXPECT_EQ(d.reason, Reason::RenamedInQuickBooks);
  EXPECT_EQ(d.list_id, "C-1");
  EXPECT_EQ(d.full_name, "ACME Plumbing");
  EXPECT_THAT(d.detail, HasSubstr("\"Acme Plumbing Inc\" -> \"ACME Plumbing\""));
}

TEST(Reconcile, LinkedWithoutAccountingNameIsStillLinkedAndReportsTheFullName) {
  const Decision d = decide_customer(linked_account("a1", "Acme", "", "C-1"));
  EXPECT_EQ(d.outcome, Outcome::Linked);
  EXPECT_EQ(d.reason, Reason::StillLinked);
  EXPECT_EQ(d.full_name, "ACME Plumbing");
}

TEST(Reconcile, LinkedEntryGoneGoesToReview) {
  const Decision d = decide_customer(linked_account("a1", "Zed", "Zed Corp", "C-99"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::LinkedEntryGone);
  EXPECT_THAT(d.candidates, IsEmpty());
  EXPECT_THAT(d.detail, HasSubstr("C-99"));
}

TEST(Reconcile, LinkedEntryGoneOffersWhatStillCarriesTheName) {
  // Merged away in QuickBooks: the name now belongs to another ListID; we show it, never relink.
  const Decision d = decide_customer(linked_account("a1", "Acme", "ACME Plumbing", "C-OLD"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::LinkedEntryGone);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_EQ(d.candidates[0].list_id, "C-1");
  EXPECT_THAT(d.candidates[0].kinds, IsEmpty());
  EXPECT_TRUE(d.list_id.empty());
}

TEST(Reconcile, ListIdOfAnotherListDoesNotKeepASupplierLinked) {
  const Decision d = decide_supplier(linked_account("s1", "Acme", "ACME Plumbing", "C-1"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::LinkedEntryGone);
}

// --- rule 2: exact accounting name ---

TEST(Reconcile, ExactAccountingNameLinksEvenWhenTheAppNameDiffers) {
  const Decision d = decide_customer(account("a1", "Totally Different", "Baker Bros"));
  EXPECT_EQ(d.outcome, Outcome::Linked);
  EXPECT_EQ(d.reason, Reason::ExactAccountingName);
  EXPECT_EQ(d.list_id, "C-2");
}

TEST(Reconcile, JobFullNameAsAccountingNameLinks) {
  const Decision d = decide_customer(account("a1", "Kitchen", "Carter Electric:Kitchen Remodel"));
  EXPECT_EQ(d.outcome, Outcome::Linked);
  EXPECT_EQ(d.reason, Reason::ExactAccountingName);
  EXPECT_EQ(d.list_id, "C-4");
  EXPECT_EQ(d.full_name, "Carter Electric:Kitchen Remodel");
}

TEST(Reconcile, InactiveExactMatchLinksAndIsNotAdded) {
  const Decision d = decide_customer(account("a1", "Dormant", "Dormant Designs"));
  EXPECT_EQ(d.outcome, Outcome::Linked);
  EXPECT_EQ(d.reason, Reason::ExactAccountingName);
  EXPECT_EQ(d.list_id, "C-5");
  EXPECT_THAT(d.detail, HasSubstr("inactive"));
}

TEST(Reconcile, SupplierAccountingNameLinksInTheVendorList) {
  const Decision d = decide_supplier(account("s1", "Supply", "Supply House"));
  EXPECT_EQ(d.outcome, Outcome::Linked);
  EXPECT_EQ(d.list_id, "V-1");
}

// --- rule 3: near matches, one test per kind ---

TEST(Reconcile, TwoSpacesGoesToReviewAsSpaces) {
  const Decision d = decide_customer(account("a1", "x", "Baker  Bros"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_EQ(d.candidates[0].list_id, "C-2");
  EXPECT_EQ(d.candidates[0].full_name, "Baker Bros");
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Spaces));
}

TEST(Reconcile, LeadingSpaceGoesToReviewAsSpaces) {
  const Decision d = decide_customer(account("a1", "x", " Baker Bros"));
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Spaces));
}

TEST(Reconcile, TrailingSpaceGoesToReviewAsSpaces) {
  const Decision d = decide_customer(account("a1", "x", "Baker Bros "));
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Spaces));
}

TEST(Reconcile, CaseOnlyGoesToReviewAsCase) {
  const Decision d = decide_customer(account("a1", "x", "Acme Plumbing"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_EQ(d.candidates[0].list_id, "C-1");
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Case));
}

TEST(Reconcile, CaseAndSpacesAreBothNamedInKindsAndDetail) {
  const Decision d = decide_customer(account("a1", "x", "Acme  Plumbing"));
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Case, NearKind::Spaces));
  EXPECT_EQ(d.detail, R"(near match (case, spaces): "Acme  Plumbing" ~ "ACME Plumbing")");
}

TEST(Reconcile, PunctuationGoesToReviewAsPunctuation) {
  const Decision d = decide_customer(account("a1", "x", "Baker Bros."));
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Punctuation));
}

TEST(Reconcile, HyphenForSpaceGoesToReviewAsPunctuation) {
  const Snapshot qb({customer("Smith Jones Roofing", "C-1")});
  const Decision d = decide(AccountKind::Customer, account("a1", "Smith-Jones Roofing"), qb);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Punctuation));
}

TEST(Reconcile, AmpersandVersusAndGoesToReview) {
  const Snapshot qb({customer("Smith & Sons", "C-1")});
  const Decision d = decide(AccountKind::Customer, account("a1", "x", "Smith and Sons"), qb);
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Ampersand));
}

TEST(Reconcile, AccentsGoToReviewAsAccents) {
  const Snapshot qb({customer("Café Rouge", "C-1")});
  const Decision d = decide(AccountKind::Customer, account("a1", "Cafe Rouge"), qb);
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Accents));
}

TEST(Reconcile, WordOrderGoesToReview) {
  const Snapshot qb({customer("Mike Smith", "C-1")});
  const Decision d = decide(AccountKind::Customer, account("a1", "Smith, Mike"), qb);
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Punctuation, NearKind::WordOrder));
}

TEST(Reconcile, EveryNearCandidateIsListed) {
  const Snapshot qb(
      {customer("Acme Ltd", "C-1"), customer("ACME LTD.", "C-2"), customer("Acme Limited", "C-3")});
  const Decision d = decide(AccountKind::Customer, account("a1", "acme ltd"), qb);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(2));
  EXPECT_EQ(d.candidates[0].list_id, "C-1");
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Case));
  EXPECT_EQ(d.candidates[1].list_id, "C-2");
  EXPECT_THAT(d.candidates[1].kinds, ElementsAre(NearKind::Case, NearKind::Punctuation));
  EXPECT_THAT(d.detail, HasSubstr("+1 more"));
}

TEST(Reconcile, NearMatchOfAnInactiveEntryGoesToReview) {
  const Decision d = decide_customer(account("a1", "dormant designs"));
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_FALSE(d.candidates[0].is_active);
}

// --- rule 4: accounting name set, nothing matches ---

TEST(Reconcile, AccountingNameNotFoundGoesToReviewNeverNew) {
  const Decision d = decide_customer(account("a1", "Fresh Start Bakery", "Fresh Start Bakery"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NotFoundInQuickBooks);
  EXPECT_THAT(d.candidates, IsEmpty());
  EXPECT_THAT(d.detail, HasSubstr("\"Fresh Start Bakery\""));
}

TEST(Reconcile, AccountingNameInAnotherListGoesToReviewAsNameUsedByOtherList) {
  const Decision d = decide_customer(account("a1", "Supply", "Supply House"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NameUsedByOtherList);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_EQ(d.candidates[0].list, QbList::Vendor);
  EXPECT_EQ(d.candidates[0].list_id, "V-1");
  EXPECT_THAT(d.candidates[0].kinds, IsEmpty());
}

// --- rule 5: no accounting name ---

TEST(Reconcile, ExactOwnNameLinksWithoutAccountingName) {
  const Decision d = decide_customer(account("a1", "Baker Bros"));
  EXPECT_EQ(d.outcome, Outcome::Linked);
  EXPECT_EQ(d.reason, Reason::ExactName);
  EXPECT_EQ(d.list_id, "C-2");
}

TEST(Reconcile, NearOwnNameGoesToReviewNotNew) {
  const Decision d = decide_customer(account("a1", "baker bros"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Case));
}

TEST(Reconcile, UnmatchedOwnNameIsNew) {
  const Decision d = decide_customer(account("a1", "Acme Ltd (customer 2)"));
  EXPECT_EQ(d.outcome, Outcome::New);
  EXPECT_EQ(d.reason, Reason::NoMatch);
  EXPECT_EQ(d.full_name, "Acme Ltd (customer 2)");
  EXPECT_TRUE(d.list_id.empty());
}

TEST(Reconcile, XmlSpecialCharactersPassThroughUntouched) {
  const std::string name = R"(Tom & Jerry's <Fix> "Pro")";
  const Decision added = decide_customer(account("a1", name));
  EXPECT_EQ(added.outcome, Outcome::New);
  EXPECT_EQ(added.full_name, name);

  const Snapshot qb({customer(name, "C-9")});
  const Decision linked = decide(AccountKind::Customer, account("a2", "x", name), qb);
  EXPECT_EQ(linked.outcome, Outcome::Linked);
  EXPECT_EQ(linked.full_name, name);
}

// --- rule 6: names we create must be legal ---

TEST(Reconcile, NameOver41CharactersGoesToReviewUntruncated) {
  const std::string name(42, 'x');
  const Decision d = decide_customer(account("a1", name));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::IllegalName);
  EXPECT_THAT(d.detail, HasSubstr("42 characters"));
  EXPECT_TRUE(d.full_name.empty());
}

TEST(Reconcile, Exactly41AccentedCharactersIsLegal) {
  std::string name;
  for (int i = 0; i < 41; ++i) name += "é";  // 82 bytes, 41 characters
  const Decision d = decide_customer(account("a1", name));
  EXPECT_EQ(d.outcome, Outcome::New);
  EXPECT_EQ(d.full_name, name);
}

TEST(Reconcile, ColonInANewNameGoesToReview) {
  const Decision d = decide_customer(account("a1", "Parent:Child"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::IllegalName);
  EXPECT_THAT(d.detail, HasSubstr("':'"));
}

TEST(Reconcile, JapaneseNameGoesToReviewAsOutsideLatin1) {
  const Decision d = decide_customer(account("a1", "日本 Trading"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::IllegalName);
  EXPECT_THAT(d.detail, HasSubstr("ISO-8859-1"));
}

TEST(Reconcile, EuroSignGoesToReviewAsOutsideLatin1) {
  const Decision d = decide_customer(account("a1", "Euro € Shop"));
  EXPECT_EQ(d.reason, Reason::IllegalName);
  EXPECT_THAT(d.detail, HasSubstr("U+20AC"));
}

TEST(Reconcile, InvalidUtf8GoesToReviewAndTheDetailStaysValid) {
  const Decision d = decide_customer(account("a1", "Bad \xC3 Name"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::IllegalName);
  EXPECT_THAT(d.detail, HasSubstr("UTF-8"));
  EXPECT_THAT(d.detail, HasSubstr(R"("Bad \xC3 Name")"));
}

TEST(Reconcile, EmptyNameGoesToReview) {
  const Decision d = decide_customer(account("a1", ""));
  EXPECT_EQ(d.reason, Reason::IllegalName);
  EXPECT_THAT(d.detail, HasSubstr("empty"));
}

TEST(Reconcile, IllegalAccountingNameOfAJobStillLinks) {
  // Only names to create are checked: a job path (with its colon) is fine to link to.
  const std::string job = "Carter Electric:Kitchen Remodel";
  ASSERT_TRUE(illegal_name_reason(job).has_value());
  const Decision d = decide_customer(account("a1", "k", job));
  EXPECT_EQ(d.outcome, Outcome::Linked);
}

// --- rule 7: one name space across the four lists ---

TEST(Reconcile, CustomerNamedLikeAQuickBooksVendorGoesToReview) {
  const Decision d = decide_customer(account("a1", "Supply House"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NameUsedByOtherList);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_EQ(d.candidates[0].list, QbList::Vendor);
  EXPECT_EQ(d.candidates[0].list_id, "V-1");
  EXPECT_THAT(d.candidates[0].kinds, IsEmpty());
}

TEST(Reconcile, SupplierNamedLikeACustomerGoesToReview) {
  const Decision d = decide_supplier(account("s1", "Acme Ltd"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NameUsedByOtherList);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_EQ(d.candidates[0].list, QbList::Customer);
  EXPECT_EQ(d.candidates[0].list_id, "C-6");
  EXPECT_THAT(d.detail, HasSubstr("customer \"Acme Ltd\""));
}

TEST(Reconcile, SupplierNamedLikeACustomerIgnoringCaseGoesToReview) {
  const Decision d = decide_supplier(account("s1", "ACME LTD"));
  EXPECT_EQ(d.reason, Reason::NameUsedByOtherList);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Case));
}

TEST(Reconcile, NameOfAnEmployeeOrOtherNameGoesToReview) {
  const Decision employee = decide_customer(account("a1", "Jane Roe"));
  EXPECT_EQ(employee.reason, Reason::NameUsedByOtherList);
  ASSERT_THAT(employee.candidates, SizeIs(1));
  EXPECT_EQ(employee.candidates[0].list, QbList::Employee);
  const Decision other = decide_supplier(account("s1", "petty cash"));
  EXPECT_EQ(other.reason, Reason::NameUsedByOtherList);
  ASSERT_THAT(other.candidates, SizeIs(1));
  EXPECT_EQ(other.candidates[0].list, QbList::OtherName);
}

TEST(Reconcile, AJobNameDoesNotBlockATopLevelName) {
  // Jobs share a Name under different parents; uniqueness is among top-level names.
  const Decision d = decide_supplier(account("s1", "Kitchen Remodel"));
  EXPECT_EQ(d.outcome, Outcome::New);
  EXPECT_EQ(d.full_name, "Kitchen Remodel");
}

// --- rule 9: declared new (`review reject`) ---

TEST(Reconcile, DeclaredNewAddsItsAccountingName) {
  const Decision d = decide_supplier(declared_new("s1", "Acme", "Acme Ltd (supplier)"));
  EXPECT_EQ(d.outcome, Outcome::New);
  EXPECT_EQ(d.reason, Reason::DeclaredNew);
  EXPECT_EQ(d.full_name, "Acme Ltd (supplier)");
}

TEST(Reconcile, DeclaredNewSkipsNearMatchReview) {
  const Decision d = decide_customer(declared_new("a1", "Baker Bros."));
  EXPECT_EQ(d.outcome, Outcome::New);
  EXPECT_EQ(d.reason, Reason::DeclaredNew);
  EXPECT_EQ(d.full_name, "Baker Bros.");
}

TEST(Reconcile, DeclaredNewCollidingWithAnotherListGoesToReview) {
  const Decision d = decide_supplier(declared_new("s1", "x", "acme ltd"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NameUsedByOtherList);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_EQ(d.candidates[0].list_id, "C-6");
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Case));
}

TEST(Reconcile, DeclaredNewCollidingByCaseInItsOwnListGoesToReview) {
  const Decision d = decide_customer(declared_new("a1", "Baker BROS"));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::NearMatch);
  ASSERT_THAT(d.candidates, SizeIs(1));
  EXPECT_EQ(d.candidates[0].list_id, "C-2");
  EXPECT_THAT(d.candidates[0].kinds, ElementsAre(NearKind::Case));
}

TEST(Reconcile, DeclaredNewWithAnExactMatchLinks) {
  const Decision d = decide_customer(declared_new("a1", "x", "Baker Bros"));
  EXPECT_EQ(d.outcome, Outcome::Linked);
  EXPECT_EQ(d.reason, Reason::ExactAccountingName);
  EXPECT_EQ(d.list_id, "C-2");
}

TEST(Reconcile, DeclaredNewMustStillBeLegal) {
  const Decision d = decide_customer(declared_new("a1", "x", std::string(50, 'y')));
  EXPECT_EQ(d.outcome, Outcome::Review);
  EXPECT_EQ(d.reason, Reason::IllegalName);
}

// --- one run ---

TEST(Reconcile, TwoNewAccountsCollidingInOneRunSendTheSecondToReview) {
  const Snapshot qb = company();
  const std::vector<Account> accounts = {
      account("a1", "Green Gardens"),
      account("a2", "Other Co"),
      account("a3", "GREEN GARDENS"),
  };
  const std::vector<Decision> d = reconcile(AccountKind::Customer, accounts, qb);
  ASSERT_THAT(d, SizeIs(3));
  EXPECT_EQ(d[0].outcome, Outcome::New);
  EXPECT_EQ(d[1].outcome, Outcome::New);
  EXPECT_EQ(d[2].account_id, "a3");
  EXPECT_EQ(d[2].outcome, Outcome::Review);
  EXPECT_EQ(d[2].reason, Reason::SameNameAsNewAccount);
  EXPECT_TRUE(d[2].full_name.empty());
  EXPECT_THAT(d[2].detail, HasSubstr("\"a1\""));
}

TEST(Reconcile, DeclaredNewAlsoCollidesWithANewAccountOfTheRun) {
  const Snapshot qb = company();
  const std::vector<Decision> d = reconcile(
      AccountKind::Supplier,
      {account("s1", "Stone Works"), declared_new("s2", "Stoneworks", "stone works")}, qb);
  EXPECT_EQ(d[0].outcome, Outcome::New);
  EXPECT_EQ(d[1].reason, Reason::SameNameAsNewAccount);
}

TEST(Reconcile, ReconcileOfNothingIsNothing) {
  const Snapshot qb({});
  EXPECT_THAT(reconcile(AccountKind::Customer, {}, qb), IsEmpty());
}

// --- words for the log and JSON ---

TEST(Reconcile, ToStringGivesStableWords) {
  EXPECT_EQ(to_string(Outcome::Linked), "linked");
  EXPECT_EQ(to_string(Outcome::Renamed), "renamed");
  EXPECT_EQ(to_string(Outcome::Review), "review");
  EXPECT_EQ(to_string(Outcome::New), "new");
  EXPECT_EQ(to_string(Reason::StillLinked), "still linked");
  EXPECT_EQ(to_string(Reason::RenamedInQuickBooks), "renamed in QuickBooks");
  EXPECT_EQ(to_string(Reason::LinkedEntryGone), "linked entry gone");
  EXPECT_EQ(to_string(Reason::ExactAccountingName), "exact accounting name");
  EXPECT_EQ(to_string(Reason::ExactName), "exact name");
  EXPECT_EQ(to_string(Reason::NearMatch), "near match");
  EXPECT_EQ(to_string(Reason::NotFoundInQuickBooks), "not found in QuickBooks");
  EXPECT_EQ(to_string(Reason::NameUsedByOtherList), "name used by another QuickBooks list");
  EXPECT_EQ(to_string(Reason::IllegalName), "illegal name");
  EXPECT_EQ(to_string(Reason::NoMatch), "no match");
  EXPECT_EQ(to_string(Reason::DeclaredNew), "declared new");
  EXPECT_EQ(to_string(Reason::SameNameAsNewAccount), "same name as another new account");
  EXPECT_EQ(to_string(NearKind::Ampersand), "& vs and");
  EXPECT_EQ(to_string(NearKind::WordOrder), "word order");
  EXPECT_EQ(to_string(QbList::OtherName), "other name");
  EXPECT_EQ(to_string(AccountKind::Supplier), "supplier");
  EXPECT_EQ(list_for(AccountKind::Customer), QbList::Customer);
  EXPECT_EQ(list_for(AccountKind::Supplier), QbList::Vendor);
}

TEST(Reconcile, DetailIsOneLineEvenForANameWithANewline) {
  const Decision d = decide_customer(account("a1", "Two\nLines"));
  EXPECT_EQ(d.reason, Reason::IllegalName);
  EXPECT_EQ(d.detail.find('\n'), std::string::npos);
  EXPECT_THAT(d.detail, HasSubstr(R"(\x0A)"));
}

}  // namespace
}  // namespace qblink::reconcile
