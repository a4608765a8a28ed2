#pragma once
// The QBWC session as a pure state machine: facts and events in, the next action out.
// No sockets, SQL, XML or clocks: sync/ loads the state from the store, feeds it what happened,
// carries out the action, and saves the state back in the same transaction.
#include <string>
#include <string_view>

namespace qblink::session {

enum class Phase {
  Authenticated,  // ticket issued, no sendRequestXML yet
  InDoubt,        // re-querying adds whose response never arrived (always first)
  Fetch,          // paging through QuickBooks' name lists
  Add,            // sending adds in batches
  Finished,       // everything done; receiveResponseXML answered 100
  Failed,         // an error ends the session; getLastError tells it
  Closed,         // closeConnection or connectionError
};
std::string_view to_string(Phase phase);
Phase phase_from_string(std::string_view text);  // Failed for an unknown text

struct State {
  Phase phase = Phase::Authenticated;
  int list_index = 0;       // index into the fetch plan
  std::string iterator_id;  // valid inside this QBWC session only, never carried to the next
  int remaining = -1;       // iteratorRemainingCount of the last page, -1 before the first
  int units_done = 0;       // pages, in-doubt checks and add batches answered
  // Lists answered whole, out of turn, by the message set that asked for every list at once;
  // the fetch skips them. A bit per plan index.
  int done_mask = 0;
  bool asked_all = false;  // that message set was sent (once per session)
  std::string error;       // getLastError's text once Failed
  int qbxml_major = 0, qbxml_minor = 0;
};

// What sync/ knows when the Web Connector asks for the next request.
struct Facts {
  int lists_to_fetch = 0;  // size of the fetch plan
  int in_doubt = 0;        // adds to re-query (outbox rows in doubt or collided)
  int queued_adds = 0;     // adds waiting to be sent
  int page_size = 500;     // MaxReturned
  int batch_size = 100;    // adds per message set
  // Not a first sync (sync/work.cpp plan_fetch): the first page of every list goes in one message
  // set, one sendRequestXML/receiveResponseXML exchange instead of one per list. A list with
  // more than a page is then paged on its own.
  bool all_lists_at_once = false;
};

enum class ActionKind {
  QueryInDoubt,   // re-query the in-doubt names
  QueryPage,      // the next page of list `list_index` (Start when iterator_id is empty)
  QueryAllLists,  // the first page of every list, in one message set (Facts::all_lists_at_once)
  Reconcile,      // run reconciliation in-process, then ask again
  SendAdds,       // the next batch of queued adds
  Finish,         // nothing left: receiveResponseXML already said 100, sendRequestXML says ""
  Error,          // state.error says why
};

struct Action {
  ActionKind kind = ActionKind::Finish;
  int list_index = 0;
  std::string iterator_id;  // empty = iterator Start
};

// sendRequestXML: what to send next. Moves through InDoubt -> Fetch -> Add -> Finished.
Action next_request(State& state, const Facts& facts);

// receiveResponseXML outcomes.
void on_in_doubt_answered(State& state);
// A page of list `state.list_index`, the list being fetched.
void on_page(State& state, int remaining, std::string_view iterator_id);
// List `index` (after list_index) answered whole in the all-lists message set: not fetched again.
// A list answered with pages left is not passed here; it is fetched on its own in its turn.
void on_list_answered_whole(State& state, int index);
void on_adds_answered(State& state);
void on_quickbooks_error(State& state, std::string_view hresult, std::string_view message);
void fail(State& state, std::string error);

// The percent receiveResponseXML returns: 100 only when nothing is left, -1 once Failed,
// otherwise an honest estimate from work done and known work left, capped at 99.
int percent(const State& state, const Facts& facts);

// getLastError's answer.
std::string last_error_text(const State& state);

}  // namespace qblink::session
