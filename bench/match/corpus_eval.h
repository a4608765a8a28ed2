#pragma once
// The labelled matching corpus (tests/reconcile/data/match_corpus.tsv, written by
// bench/match/make_corpus.cpp) and its evaluation: reconcile() against a snapshot holding every
// QuickBooks side of the corpus (each once) and the noise entries. Shared by the gtest that
// asserts the targets and by match_eval, which prints the figures and the naive baseline.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "reconcile/reconcile.h"

namespace qblink::reconcile::corpus {

struct Row {
  std::string label, variant, account, a_phone, a_email;
  std::string list, qb_name, qb_first, qb_last, q_phone, q_email;
  std::string qb_id;  // "Q<line>" when the row has a QuickBooks side
};

inline std::vector<Row> load(const std::string& path) {
  std::ifstream in(path);
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);  // header
  for (int n = 2; std::getline(in, line); ++n) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, '\t')) f.push_back(field);
    f.resize(11);
    Row r{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], ""};
    if (!r.qb_name.empty()) r.qb_id = "Q" + std::to_string(n);
    rows.push_back(std::move(r));
  }
  return rows;
}

inline std::vector<QbEntry> snapshot_entries(const std::vector<Row>& rows) {
  std::vector<QbEntry> entries;
  for (const Row& r : rows) {
    if (r.qb_name.empty()) continue;
    QbEntry e;
    e.list = r.list == "vendor" ? QbList::Vendor : QbList::Customer;
    e.list_id = r.qb_id;
    e.full_name = e.name = r.qb_name;
    e.first_name = r.qb_first;
    e.last_name = r.qb_last;
    e.phone = r.q_phone;
    e.email = r.q_email;
    entries.push_back(std::move(e));
  }
  return entries;
}

inline bool is_account(const Row& r) { return r.label != "noise"; }
inline AccountKind kind_of(const Row& r) {
  return r.list == "vendor" ? AccountKind::Supplier : AccountKind::Customer;
}

struct Figures {
  int same = 0, same_not_added = 0, same_found = 0, wrong_links = 0;
  int lookalike = 0, lookalike_held = 0, unrelated = 0, unrelated_held = 0;
  std::map<std::string, int> missed_by_variant;  // same, added
  std::map<std::string, int> held_by_variant;    // different, held
  std::vector<std::string> examples;             // a few misses, for the reader
  double pct(int a, int b) const { return b == 0 ? 0 : 100.0 * a / b; }
};

// What a matcher answers for one account: linked (to list_id), held (with candidates) or added.
struct Answer {
  Outcome outcome = Outcome::New;
  std::string list_id;
  std::vector<std::string> candidates;
  std::string detail;
};

inline void score(const Row& r, const Answer& a, Figures& f) {
  const bool added = a.outcome == Outcome::New;
  const bool linked = a.outcome == Outcome::Linked || a.outcome == Outcome::Renamed;
  if (r.label == "same") {
    ++f.same;
    if (!added) ++f.same_not_added;
    const bool found =
        (linked && a.list_id == r.qb_id) ||
        std::find(a.candidates.begin(), a.candidates.end(), r.qb_id) != a.candidates.end();
    if (found) ++f.same_found;
    if (linked && a.list_id != r.qb_id) ++f.wrong_links;
    if (added) ++f.missed_by_variant[r.variant];
    if ((added || !found) && f.examples.size() < 40) {
      f.examples.push_back("same/" + r.variant + ": \"" + r.account + "\" vs \"" + r.qb_name +
                           "\" -> " + a.detail);
    }
    return;
  }
  if (linked) ++f.wrong_links;
  const bool held = !added && !linked;
  if (r.label == "lookalike") {
    ++f.lookalike;
    if (held) ++f.lookalike_held;
  } else {
    ++f.unrelated;
    if (held) ++f.unrelated_held;
  }
  if (held) {
    ++f.held_by_variant[r.label + "/" + r.variant];
    if (f.examples.size() < 40) {
      f.examples.push_back(r.label + "/" + r.variant + ": \"" + r.account + "\" -> " + a.detail);
    }
  }
}

// reconcile() over the corpus: customers and suppliers, each one run.
inline Figures evaluate(const std::vector<Row>& rows, const Snapshot& qb) {
  Figures f;
  for (const AccountKind kind : {AccountKind::Customer, AccountKind::Supplier}) {
    std::vector<Account> accounts;
    std::vector<const Row*> of;
    for (const Row& r : rows) {
      if (!is_account(r) || kind_of(r) != kind) continue;
      Account a;
      a.account_id = "A" + std::to_string(of.size());
      a.name = r.account;
      a.phone = r.a_phone;
      a.email = r.a_email;
      accounts.push_back(std::move(a));
      of.push_back(&r);
    }
    const std::vector<Decision> ds = reconcile(kind, accounts, qb);
    for (std::size_t i = 0; i < ds.size(); ++i) {
      Answer a{ds[i].outcome, ds[i].list_id, {}, ds[i].detail};
      for (const Candidate& c : ds[i].candidates) a.candidates.push_back(c.list_id);
      score(*of[i], a, f);
    }
  }
  return f;
}

}  // namespace qblink::reconcile::corpus
