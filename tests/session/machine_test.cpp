#include "session/machine.h"

#include <gtest/gtest.h>

namespace qblink::session {
namespace {

Facts facts(int in_doubt = 0, int queued = 0) {
  Facts f;
  f.lists_to_fetch = 2;
  f.in_doubt = in_doubt;
  f.queued_adds = queued;
  f.page_size = 100;
  f.batch_size = 10;
  return f;
}

TEST(SessionMachine, InDoubtAddsAreQueriedBeforeAnythingElse) {
  State s;
  const auto a = next_request(s, facts(/*in_doubt=*/2));
  EXPECT_EQ(a.kind, ActionKind::QueryInDoubt);
  EXPECT_EQ(s.phase, Phase::InDoubt);
}

TEST(SessionMachine, WithNothingInDoubtTheFirstRequestStartsTheFirstList) {
  State s;
  const auto a = next_request(s, facts());
  EXPECT_EQ(a.kind, ActionKind::QueryPage);
  EXPECT_EQ(a.list_index, 0);
  EXPECT_TRUE(a.iterator_id.empty()) << "first page uses iterator Start";
}

TEST(SessionMachine, IteratorContinuesUntilRemainingIsZeroThenNextListStartsFresh) {
  State s;
  const auto f = facts();
  next_request(s, f);
  on_page(s, 250, "{iter-1}");
  auto a = next_request(s, f);
  EXPECT_EQ(a.kind, ActionKind::QueryPage);
  EXPECT_EQ(a.list_index, 0);
  EXPECT_EQ(a.iterator_id, "{iter-1}");
  on_page(s, 0, "{iter-1}");
  a = next_request(s, f);
  EXPECT_EQ(a.list_index, 1);
  EXPECT_TRUE(a.iterator_id.empty()) << "an iterator never crosses lists";
}

TEST(SessionMachine, AfterTheLastListItReconcilesThenSendsAddsThenFinishes) {
  State s;
  const auto f = facts();
  next_request(s, f);
  on_page(s, 0, "");
  next_request(s, f);
  on_page(s, 0, "");
  EXPECT_EQ(next_request(s, f).kind, ActionKind::Reconcile);
  EXPECT_EQ(next_request(s, facts(0, 5)).kind, ActionKind::SendAdds);
  on_adds_answered(s);
  EXPECT_EQ(next_request(s, facts(0, 0)).kind, ActionKind::Finish);
  EXPECT_EQ(s.phase, Phase::Finished);
}

TEST(SessionMachine, ACollisionFoundDuringAddsIsQueriedBeforeMoreAdds) {
  State s;
  s.phase = Phase::Add;
  EXPECT_EQ(next_request(s, facts(/*in_doubt=*/1, /*queued=*/3)).kind, ActionKind::QueryInDoubt);
}

TEST(SessionMachine, PercentIsHonestAndOnlyHundredWhenNothingIsLeft) {
  State s;
  const auto f = facts();
  next_request(s, f);
  on_page(s, 900, "{i}");  // 9 more pages of list 0, then list 1, then the adds step
  const int p = percent(s, f);
  EXPECT_GT(p, 0);
  EXPECT_LT(p, 15);
  s.phase = Phase::Add;
  EXPECT_LT(percent(s, facts(0, 25)), 100) << "queued adds are work left";
  s.phase = Phase::Finished;
  EXPECT_EQ(percent(s, facts()), 100);
}

Facts incremental(int lists = 4) {
  Facts f = facts();
  f.lists_to_fetch = lists;
  f.all_lists_at_once = true;
  return f;
}

TEST(SessionMachine, AnIncrementalRunAsksForEveryListInOneMessageSetThenReconciles) {
  State s;
  const auto f = incremental();
  EXPECT_EQ(next_request(s, f).kind, ActionKind::QueryAllLists);
  EXPECT_EQ(percent(s, f), 1) << "one exchange left, none done";
  // Each answer is for the list in turn once the one before it is complete.
  for (int i = 0; i < 4; ++i) on_page(s, 0, "");
  EXPECT_EQ(next_request(s, f).kind, ActionKind::Reconcile) << "no list is asked for twice";
  EXPECT_EQ(next_request(s, f).kind, ActionKind::Finish);
}

TEST(SessionMachine, TheAllListsMessageSetIsSentOncePerSession) {
  State s;
  const auto f = incremental();
  EXPECT_EQ(next_request(s, f).kind, ActionKind::QueryAllLists);
  // Its answer was lost or ignored: the lists are then fetched one by one, never re-asked at once.
  const auto a = next_request(s, f);
  EXPECT_EQ(a.kind, ActionKind::QueryPage);
  EXPECT_EQ(a.list_index, 0);
}

TEST(SessionMachine, ALongListInTheAllListsAnswerIsPagedOnItsOwnAndTheOthersAreNotAskedAgain) {
  State s;
  const auto f = incremental();
  ASSERT_EQ(next_request(s, f).kind, ActionKind::QueryAllLists);
  on_page(s, 0, "");             // list 0 complete
  on_page(s, 700, "{iter-1}");   // list 1 has more pages: it is now the list in turn
  on_list_answered_whole(s, 3);  // list 2 also had more pages: not answered whole
  auto a = next_request(s, f);
  EXPECT_EQ(a.kind, ActionKind::QueryPage);
  EXPECT_EQ(a.list_index, 1);
  EXPECT_EQ(a.iterator_id, "{iter-1}");
  on_page(s, 0, "{iter-1}");
  a = next_request(s, f);
  EXPECT_EQ(a.kind, ActionKind::QueryPage);
  EXPECT_EQ(a.list_index, 2) << "fetched again on its own, from the start";
  EXPECT_TRUE(a.iterator_id.empty());
  on_page(s, 0, "");
  EXPECT_EQ(next_request(s, f).kind, ActionKind::Reconcile) << "list 3 was answered whole";
}

TEST(SessionMachine, AFullRunStillPagesListByList) {
  State s;
  Facts f = incremental();
  f.all_lists_at_once = false;
  const auto a = next_request(s, f);
  EXPECT_EQ(a.kind, ActionKind::QueryPage);
  EXPECT_EQ(a.list_index, 0);
}

TEST(SessionMachine, AnAnswerForTheListInTurnIsNotTakenAsAnsweredWhole) {
  State s;
  const auto f = incremental(2);
  next_request(s, f);
  on_list_answered_whole(s, 0);  // list 0 is in turn: only on_page may complete it
  EXPECT_EQ(next_request(s, f).list_index, 0);
}

TEST(SessionMachine, QuickBooksErrorFailsTheSessionWithAReadableText) {
  State s;
  next_request(s, facts());
  on_quickbooks_error(s, "0x80040400", "QuickBooks found an error when parsing the provided XML");
  EXPECT_EQ(s.phase, Phase::Failed);
  EXPECT_EQ(percent(s, facts()), -1);
  EXPECT_NE(last_error_text(s).find("0x80040400"), std::string::npos);
  EXPECT_EQ(next_request(s, facts()).kind, ActionKind::Error);
}

TEST(SessionMachine, PhaseNamesRoundTrip) {
  for (Phase p : {Phase::Authenticated, Phase::InDoubt, Phase::Fetch, Phase::Add, Phase::Finished,
                  Phase::Failed, Phase::Closed})
    EXPECT_EQ(phase_from_string(to_string(p)), p);
  EXPECT_EQ(phase_from_string("garbage"), Phase::Failed);
}

}  // namespace
}  // namespace qblink::session
