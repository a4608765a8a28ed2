#include "session/machine.h"

#include <algorithm>

namespace qblink::session {

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::Authenticated:
      return "authenticated";
    case Phase::InDoubt:
      return "in-doubt";
    case Phase::Fetch:
      return "fetch";
    case Phase::Add:
      return "add";
    case Phase::Finished:
      return "finished";
    case Phase::Failed:
      return "failed";
    case Phase::Closed:
      return "closed";
  }
  return "failed";
}

Phase phase_from_string(std::string_view text) {
  for (Phase p : {Phase::Authenticated, Phase::InDoubt, Phase::Fetch, Phase::Add, Phase::Finished,
                  Phase::Failed, Phase::Closed})
    if (to_string(p) == text) return p;
  return Phase::Failed;
}

namespace {

bool is_done(const State& state, int index) {
  return index < 31 && (state.done_mask & (1 << index)) != 0;
}

// Moves past lists already answered whole; a fresh list starts with a fresh iterator.
void skip_done_lists(State& state) {
  while (is_done(state, state.list_index)) {
    ++state.list_index;
    state.iterator_id.clear();
    state.remaining = -1;
  }
}

}  // namespace

Action next_request(State& state, const Facts& facts) {
  // Each case either returns an action or moves to the next phase and loops.
  for (;;) {
    switch (state.phase) {
      case Phase::Authenticated:
        state.phase = Phase::InDoubt;
        break;
      case Phase::InDoubt:
        if (facts.in_doubt > 0) return {ActionKind::QueryInDoubt, 0, {}};
        state.phase = Phase::Fetch;
        state.list_index = 0;
        state.iterator_id.clear();
        state.remaining = -1;
        break;
      case Phase::Fetch:
        if (facts.all_lists_at_once && !state.asked_all && state.list_index == 0 &&
            state.iterator_id.empty() && facts.lists_to_fetch > 1) {
          state.asked_all = true;
          return {ActionKind::QueryAllLists, 0, {}};
        }
        skip_done_lists(state);
        if (state.list_index < facts.lists_to_fetch)
          return {ActionKind::QueryPage, state.list_index, state.iterator_id};
        state.phase = Phase::Add;
        return {ActionKind::Reconcile, 0, {}};
      case Phase::Add:
        if (facts.in_doubt > 0) return {ActionKind::QueryInDoubt, 0, {}};  // a 3100 to resolve
        if (facts.queued_adds > 0) return {ActionKind::SendAdds, 0, {}};
        state.phase = Phase::Finished;
        return {ActionKind::Finish, 0, {}};
      case Phase::Finished:
      case Phase::Closed:
        return {ActionKind::Finish, 0, {}};
      case Phase::Failed:
        return {ActionKind::Error, 0, {}};
    }
  }
}

void on_in_doubt_answered(State& state) { ++state.units_done; }

void on_page(State& state, int remaining, std::string_view iterator_id) {
  ++state.units_done;
  if (remaining > 0 && !iterator_id.empty()) {
    state.iterator_id = std::string(iterator_id);
    state.remaining = remaining;
    return;
  }
  // The list is complete: the next request starts the next list with a fresh iterator.
  ++state.list_index;
  state.iterator_id.clear();
  state.remaining = -1;
  skip_done_lists(state);
}

void on_list_answered_whole(State& state, int index) {
  if (index <= state.list_index || index >= 31) return;  // in turn: on_page's business
  ++state.units_done;
  state.done_mask |= 1 << index;
}

void on_adds_answered(State& state) { ++state.units_done; }

void on_quickbooks_error(State& state, std::string_view hresult, std::string_view message) {
  fail(state, "QuickBooks could not process the request (" + std::string(hresult) +
                  "): " + std::string(message));
}

void fail(State& state, std::string error) {
  state.phase = Phase::Failed;
  state.error = std::move(error);
}

int percent(const State& state, const Facts& facts) {
  if (state.phase == Phase::Failed) return -1;
  int left = 0;
  if (state.phase == Phase::Authenticated || state.phase == Phase::InDoubt) {
    left += facts.in_doubt > 0 ? 1 : 0;
    left += facts.all_lists_at_once ? std::min(facts.lists_to_fetch, 1) : facts.lists_to_fetch;
  } else if (state.phase == Phase::Fetch) {
    const int page = std::max(1, facts.page_size);
    if (state.list_index < facts.lists_to_fetch) {
      left += state.remaining > 0 ? (state.remaining + page - 1) / page : 1;
      for (int i = state.list_index + 1; i < facts.lists_to_fetch; ++i) left += !is_done(state, i);
    }
  }
  if (state.phase != Phase::Finished && state.phase != Phase::Closed) {
    left += facts.in_doubt > 0 ? 1 : 0;
    left += (facts.queued_adds + std::max(1, facts.batch_size) - 1) / std::max(1, facts.batch_size);
  }
  if (left == 0) return 100;
  const int done = state.units_done;
  return std::clamp(100 * done / (done + left), 1, 99);
}

std::string last_error_text(const State& state) {
  if (state.phase == Phase::Failed && !state.error.empty()) return state.error;
  if (state.phase == Phase::Finished) return "Nothing more to do.";
  return "No error.";
}

}  // namespace qblink::session
