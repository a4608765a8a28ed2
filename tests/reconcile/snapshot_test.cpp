// The snapshot index: lookups by ListID, by exact FullName, ignoring case, and near.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcile/reconcile.h"
#include "reconcile/reconcile_test_support.h"

namespace qblink::reconcile {
namespace {

using namespace fixtures;  // NOLINT: the builders
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(Snapshot, ListIdLookupIsPerList) {
  const Snapshot qb({customer("Acme", "X-1"), vendor("Acme Supply", "X-1")});
  ASSERT_NE(qb.by_list_id(QbList::Customer, "X-1"), nullptr);
  EXPECT_EQ(qb.by_list_id(QbList::Customer, "X-1")->full_name, "Acme");
  EXPECT_EQ(qb.by_list_id(QbList::Vendor, "X-1")->full_name, "Acme Supply");
  EXPECT_EQ(qb.by_list_id(QbList::Employee, "X-1"), nullptr);
  EXPECT_EQ(qb.by_list_id(QbList::Customer, "X-2"), nullptr);
  EXPECT_EQ(qb.size(), 2u);
}

TEST(Snapshot, FullNameLookupIsByteExact) {
  const Snapshot qb({customer("Acme Ltd", "C-1")});
  EXPECT_NE(qb.by_full_name(QbList::Customer, "Acme Ltd"), nullptr);
  EXPECT_EQ(qb.by_full_name(QbList::Customer, "acme ltd"), nullptr);
  EXPECT_EQ(qb.by_full_name(QbList::Customer, "Acme Ltd "), nullptr);
  EXPECT_EQ(qb.by_full_name(QbList::Vendor, "Acme Ltd"), nullptr);
}

TEST(Snapshot, NameIgnoringCaseSpansAllListsAndOnlyTopLevelEntries) {
  const Snapshot qb({customer("ÉCOLE Dupont", "C-1"), customer("Parent:École Dupont", "C-2"),
                     vendor("école dupont", "V-1", /*is_active=*/false),
                     entry(QbList::Employee, "Ecole Dupont", "E-1")});
  const auto hits = qb.by_name_nocase("École DUPONT");
  ASSERT_THAT(hits, SizeIs(2));  // not the job, not the accent-free employee
  EXPECT_EQ(hits[0]->list_id, "C-1");
  EXPECT_EQ(hits[1]->list_id, "V-1");
  EXPECT_THAT(qb.by_name_nocase("Ecole Dupont."), IsEmpty());
}

TEST(Snapshot, NearFindsTheListsEntriesWithTheirKinds) {
  const Snapshot qb({customer("Acme Ltd", "C-1"), vendor("ACME Ltd", "V-1"),
                     customer("Acme Ltd.", "C-2"), customer("Acme", "C-3")});
  const auto near = qb.near(QbList::Customer, "Acme Ltd");
  ASSERT_THAT(near, SizeIs(2));
  EXPECT_EQ(near[0].list_id, "C-1");
  EXPECT_THAT(near[0].kinds, IsEmpty());  // byte-equal
  EXPECT_EQ(near[1].list_id, "C-2");
  EXPECT_THAT(near[1].kinds, ElementsAre(NearKind::Punctuation));
  const auto any = qb.near_any("Acme Ltd");
  ASSERT_THAT(any, SizeIs(3));
  EXPECT_EQ(any[1].list, QbList::Vendor);
  EXPECT_THAT(any[1].kinds, ElementsAre(NearKind::Case));
}

TEST(Snapshot, NearUnderEitherPunctuationReading) {
  const Snapshot qb({customer("Smith-Jones", "C-1"), customer("ABC Supply", "C-2")});
  ASSERT_THAT(qb.near(QbList::Customer, "Smith Jones"), SizeIs(1));
  ASSERT_THAT(qb.near(QbList::Customer, "SmithJones"), SizeIs(1));
  ASSERT_THAT(qb.near(QbList::Customer, "A.B.C. Supply"), SizeIs(1));
  EXPECT_THAT(qb.near(QbList::Customer, "A B C Supply"), IsEmpty());
}

TEST(Snapshot, VendorWithOnlyANameGetsItAsFullName) {
  QbEntry v;
  v.list = QbList::Vendor;
  v.list_id = "V-1";
  v.name = "Timber Yard";  // VendorRet has no FullName
  const Snapshot qb({v});
  const QbEntry* e = qb.by_full_name(QbList::Vendor, "Timber Yard");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->full_name, "Timber Yard");
}

TEST(Snapshot, StaysValidWhenMoved) {
  // Short names live inside the entries (small-string optimisation): moving must not break views.
  Snapshot first({customer("A", "C-1"), customer("Bb", "C-2")});
  Snapshot second(std::move(first));
  Snapshot third({});
  third = std::move(second);
  ASSERT_NE(third.by_full_name(QbList::Customer, "Bb"), nullptr);
  EXPECT_EQ(third.by_list_id(QbList::Customer, "C-1")->full_name, "A");
  EXPECT_THAT(third.near(QbList::Customer, "a"), SizeIs(1));
}

TEST(Snapshot, IndexAndNearKindsAgreeOnEveryPair) {
  // The index finds candidates, near_kinds explains them: neither may see what the other misses.
  const std::vector<std::string> names = {"Acme Ltd",     "ACME  Ltd.",
                                          "acme-ltd",     "Ltd, Acme",
                                          "A.C.M.E. Ltd", "A C M E Ltd",
                                          "Smith & Sons", "Smith and Sons",
                                          "Smith&Sons",   "Sons Smith and",
                                          "Café Noir",    "CAFE NOIR",
                                          "Noir, Café",   "O'Brien",
                                          "O Brien",      "OBrien",
                                          "a - b",        "a b",
                                          "ab",           "P:Job",
                                          "p : job",      "x X",
                                          "X x",          ""};
  for (const std::string& stored : names) {
    const Snapshot qb({customer(stored, "C-1")});
    for (const std::string& query : names) {
      const bool indexed = !qb.near(QbList::Customer, query).empty();
      const bool near = query == stored || !near_kinds(query, stored).empty();
      EXPECT_EQ(indexed, near) << '"' << query << "\" vs stored \"" << stored << '"';
      EXPECT_EQ(near_kinds(query, stored).empty(), near_kinds(stored, query).empty())
          << '"' << query << "\" vs \"" << stored << '"';
    }
  }
}

TEST(Snapshot, DuplicateFullNameKeepsTheFirstEntry) {
  const Snapshot qb({customer("Acme", "C-1"), customer("Acme", "C-2")});
  EXPECT_EQ(qb.by_full_name(QbList::Customer, "Acme")->list_id, "C-1");
}

}  // namespace
}  // namespace qblink::reconcile
