// The labelled corpus (tests/reconcile/data/match_corpus.tsv, from bench/match/make_corpus.cpp):
// reconcile() must hold or link the same customers, find their entry, link nothing wrongly, and
// leave look-alikes and unrelated new customers alone. Figures: bench/match/match_eval.
#include <gtest/gtest.h>

#include <string>

#include "../../bench/match/corpus_eval.h"
#include "reconcile/reconcile.h"

namespace qblink::reconcile {
namespace {

TEST(MatchCorpus, MeetsTheTargets) {
  const auto rows =
      corpus::load(std::string(QBLINK_SOURCE_DIR) + "/tests/reconcile/data/match_corpus.tsv");
  ASSERT_GE(rows.size(), 2000u);
  const Snapshot qb(corpus::snapshot_entries(rows));
  const corpus::Figures f = corpus::evaluate(rows, qb);
  std::string examples;
  for (const std::string& e : f.examples) examples += e + "\n";
  ASSERT_GE(f.same, 1000);
  ASSERT_GE(f.lookalike + f.unrelated, 1000);
  EXPECT_GE(f.pct(f.same_not_added, f.same), 99.0) << examples;
  EXPECT_GE(f.pct(f.same_found, f.same), 97.0) << examples;
  EXPECT_EQ(f.wrong_links, 0) << examples;
  EXPECT_LE(f.pct(f.lookalike_held, f.lookalike), 10.0) << examples;
  EXPECT_LE(f.pct(f.unrelated_held, f.unrelated), 2.0) << examples;
}

}  // namespace
}  // namespace qblink::reconcile
