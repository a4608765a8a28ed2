// Rule 3 measured the way a company meets it: the labelled corpus (tests/reconcile/data/
// match_corpus.tsv) as one tenant's accounts in a real SQLite store, the QuickBooks sides as a
// fake QuickBooks company file, and one whole Web Connector session through the sync service
// (queries, reconcile, adds). Then every account's outcome is read back from the store.
// Adds are not gated here (auto-add limit unlimited): the question is what would be added.
//   match_sync [CORPUS.tsv]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "bench/match/corpus_eval.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "store/guid.h"
#include "store/store.h"
#include "sync/auth.h"
#include "sync/service.h"

using namespace qblink;
using reconcile::corpus::Row;

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1]
               : std::string(QBLINK_SOURCE_DIR) + "/tests/reconcile/data/match_corpus.tsv";
  const auto rows = reconcile::corpus::load(path);
  if (rows.empty()) {
    std::fprintf(stderr, "no corpus at %s\n", path.c_str());
    return 1;
  }

  // QuickBooks cannot hold a name over 41 characters or with ':': such rows are left out here
  // (the in-process evaluation, match_eval, keeps them).
  auto legal = [](const std::string& name) {
    std::size_t chars = 0;
    for (unsigned char c : name) chars += (c & 0xC0) != 0x80;
    return chars <= 41 && name.find(':') == std::string::npos;
  };
  std::vector<Row> kept;
  for (const Row& r : rows)
    if (r.qb_name.empty() || legal(r.qb_name)) kept.push_back(r);
  const std::size_t left_out = rows.size() - kept.size();

  // QuickBooks: every QuickBooks side once (names are unique ignoring case across lists).
  sim::Company company;
  std::set<std::string> taken;
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (const Row& r : kept) {
    if (r.qb_name.empty() || !taken.insert(lower(r.qb_name)).second) continue;
    sim::Entity e;
    e.name = r.qb_name;
    e.first_name = r.qb_first;
    e.last_name = r.qb_last;
    e.phone = r.q_phone;
    e.email = r.q_email;
    (r.list == "vendor" ? company.vendors : company.customers).push_back(std::move(e));
  }
  sim::normalize_company(company);
  const std::size_t qb_entries = company.customers.size() + company.vendors.size();
  std::map<std::string, std::string> list_id_of;  // lower(name) -> ListID
  for (const auto* list : {&company.customers, &company.vendors})
    for (const auto& e : *list) list_id_of[lower(e.full_name)] = e.list_id;

  const auto dir = std::filesystem::temp_directory_path() /
                   ("qblink-match-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  store::SqliteStore store((dir / "q.db").string());
  std::string owner;
  std::vector<const Row*> of;
  {
    auto tx = store.begin(true);
    store::Tenant t;
    t.username = "corpus";
    t.password_hash = sync::hash_password("corpus-password");
    t.file_id = store::make_guid();
    const auto id = tx->add_tenant(t);
    tx->set_auto_add_limit(id, store::kUnlimitedAdds);
    for (const Row& r : kept) {
      if (!reconcile::corpus::is_account(r)) continue;
      store::AccountRow a;
      a.kind = reconcile::corpus::kind_of(r);
      a.account_id = "A" + std::to_string(of.size());
      a.name = r.account;
      a.phone = r.a_phone;
      a.email = r.a_email;
      tx->upsert_account(id, a);
      of.push_back(&r);
    }
    owner = tx->owner_id();
    tx->commit();
  }

  sync::Service service(store);
  sim::FakeQuickBooks qb(company);
  const auto t0 = std::chrono::steady_clock::now();
  const auto auth = service.authenticate("corpus", "corpus-password");
  qb.begin_session(owner);
  sync::SendRequestArgs s;
  s.ticket = auth.at(0);
  s.hcp_response = qb.hcp_response();
  s.qbxml_major = 13;
  for (int i = 0; i < 10'000; ++i) {
    const auto rq = service.send_request_xml(s);
    s.hcp_response.clear();
    if (rq.empty()) break;
    const auto out = qb.process(rq);
    const int pct = service.receive_response_xml({auth[0], out.response, out.hresult, out.message});
    if (pct == 100 || pct < 0) break;
  }
  qb.end_session();
  const auto summary = service.close_connection(auth[0]);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  reconcile::corpus::Figures f;
  auto tx = store.begin(false);
  const auto tenant = tx->tenant_by_name("corpus")->id;
  for (std::size_t i = 0; i < of.size(); ++i) {
    const Row& r = *of[i];
    const auto acc = tx->account(tenant, reconcile::corpus::kind_of(r), "A" + std::to_string(i));
    reconcile::corpus::Answer a;
    a.detail = acc->detail;
    const bool added = acc->reason == "added" || acc->status == "new";
    a.outcome = added                     ? reconcile::Outcome::New
                : acc->status == "linked" ? reconcile::Outcome::Linked
                                          : reconcile::Outcome::Review;
    // The corpus names QuickBooks sides by row; the fake company by ListID.
    auto to_row_id = [&](const std::string& list_id) -> std::string {
      for (const Row& q : kept)
        if (!q.qb_name.empty() && list_id_of[lower(q.qb_name)] == list_id) return q.qb_id;
      return {};
    };
    if (a.outcome == reconcile::Outcome::Linked) a.list_id = to_row_id(acc->list_id);
    for (const auto& c : nlohmann::json::parse(acc->candidates.empty() ? "[]" : acc->candidates))
      a.candidates.push_back(to_row_id(c.value("list_id", "")));
    // A same-customer row's true entry is the row itself; with duplicates collapsed above, the
    // first row of that name stands for it.
    Row truth = r;
    if (!r.qb_name.empty()) truth.qb_id = to_row_id(list_id_of[lower(r.qb_name)]);
    reconcile::corpus::score(truth, a, f);
  }
  std::filesystem::remove_all(dir);

  std::printf(
      "match_sync: %zu accounts, %zu QuickBooks entries (%zu corpus rows left out: a "
      "QuickBooks name over 41 characters), one Web Connector session in %.2f s\n"
      "  Web Connector shows: %s\n",
      of.size(), qb_entries, left_out, secs, summary.c_str());
  std::printf("  same customers not added (linked or held): %d/%d = %.1f%%  (target >= 99%%)\n",
              f.same_not_added, f.same, f.pct(f.same_not_added, f.same));
  std::printf("  true entry among the candidates:          %d/%d = %.1f%%  (target >= 97%%)\n",
              f.same_found, f.same, f.pct(f.same_found, f.same));
  std::printf("  wrong links:                              %d  (must be 0)\n", f.wrong_links);
  std::printf("  look-alike different customers held:      %d/%d = %.1f%%  (target <= 10%%)\n",
              f.lookalike_held, f.lookalike, f.pct(f.lookalike_held, f.lookalike));
  std::printf("  unrelated new customers held:             %d/%d = %.1f%%  (target <= 2%%)\n",
              f.unrelated_held, f.unrelated, f.pct(f.unrelated_held, f.unrelated));
  return f.wrong_links == 0 ? 0 : 2;
}
