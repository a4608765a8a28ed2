// Reconciling a large tenant: 100,000 accounts against 100,000 QuickBooks names.
// Target: under 1 s on one core, Snapshot construction (with the rule-3 match index) included.
// Accounts: 60% exact accounting names, 20% new (no accounting name), 10% near, 10% linked.
// The near tenth: three quarters fold-equal (case, spacing, punctuation), one quarter found only
// by the wider net (legal suffix dropped). Entries and accounts carry phones and emails, so the
// contact keys are exercised; new accounts have their own.
#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <vector>

#include "reconcile/reconcile.h"

namespace {

using namespace qblink::reconcile;

constexpr int kEntries = 100'000;
constexpr int kAccounts = 100'000;

constexpr std::array<const char*, 16> kFirst = {
    "Acme",   "Baker",   "Carter", "Delta",  "Eagle", "Fulton", "Granite", "Harbor",
    "Ingram", "Juniper", "Keller", "Linden", "Mason", "Nolan",  "Orchard", "Pioneer"};
constexpr std::array<const char*, 8> kTrade = {"Plumbing", "Electric", "Roofing", "Builders",
                                               "Café",     "& Sons",   "Supply",  "Landscaping"};

// Distinct even after folding: the number is a word of its own.
std::string company_name(int i) {
  return std::string(kFirst[i % kFirst.size()]) + " " + kTrade[(i / 16) % kTrade.size()] + " " +
         std::to_string(i) + " Ltd";
}

// 85% customers (every tenth of them a job), 10% vendors, 3% employees, 2% other names.
std::vector<QbEntry> quickbooks_names() {
  std::vector<QbEntry> entries;
  entries.reserve(kEntries);
  for (int i = 0; i < kEntries; ++i) {
    QbEntry e;
    const int band = i % 100;
    e.list = band < 85   ? QbList::Customer
             : band < 95 ? QbList::Vendor
             : band < 98 ? QbList::Employee
                         : QbList::OtherName;
    e.list_id = "8000" + std::to_string(100000 + i) + "-1234567890";
    e.name = company_name(i);
    e.full_name = (e.list == QbList::Customer && i % 10 == 3)
                      ? company_name(i - 3) + ":" + e.name  // a job under an earlier customer
                      : e.name;
    e.is_active = i % 17 != 0;
    if (i % 10 < 7) {
      e.phone = "(555) " + std::to_string(1000000 + i).substr(1, 3) + "-" +
                std::to_string(10000 + i % 10000).substr(1);
      e.email = "billing" + std::to_string(i) + "@example.com";
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

std::vector<Account> accounts(const std::vector<QbEntry>& qb) {
  std::vector<int> customers;
  for (int i = 0; i < kEntries; ++i) {
    if (qb[i].list == QbList::Customer) customers.push_back(i);
  }
  std::vector<Account> out;
  out.reserve(kAccounts);
  for (int i = 0; i < kAccounts; ++i) {
    const QbEntry& e = qb[customers[static_cast<std::size_t>(i) % customers.size()]];
    Account a;
    a.account_id = "acct-" + std::to_string(i);
    a.name = e.name;
    a.phone = e.phone;
    a.email = e.email;
    const int band = i % 10;
    if (band < 6) {  // exact accounting name
      a.accounting_name = e.full_name;
    } else if (band < 8) {  // new: a name QuickBooks does not have
      a.name = "Fresh Start " + std::to_string(i) + " Bakery";
      a.phone = "(777) 555-" + std::to_string(10000 + i % 10000).substr(1);
      a.email = "owner" + std::to_string(i) + "@freshstart.example";
    } else if (band < 9) {  // near: case, spacing or punctuation away from QuickBooks
      a.accounting_name = e.full_name;
      if (i % 3 == 0) a.accounting_name[0] = static_cast<char>(a.accounting_name[0] ^ 0x20);
      if (i % 3 == 1) a.accounting_name.insert(a.accounting_name.find(' '), " ");
      if (i % 3 == 2) a.accounting_name += ".";
      if (i % 4 == 3) a.accounting_name = e.full_name.substr(0, e.full_name.size() - 4);  // " Ltd"
    } else {                                                                              // linked
      a.list_id = e.list_id;
      a.accounting_name = e.full_name;
    }
    out.push_back(std::move(a));
  }
  return out;
}

struct Data {
  std::vector<QbEntry> entries = quickbooks_names();
  std::vector<Account> accounts = ::accounts(entries);
};
const Data& data() {
  static const Data d;
  return d;
}

void count_outcomes(benchmark::State& state, const std::vector<Decision>& decisions) {
  std::array<int, 4> n{};
  for (const Decision& d : decisions) ++n[static_cast<std::size_t>(d.outcome)];
  state.counters["linked"] = n[0];
  state.counters["review"] = n[2];
  state.counters["new"] = n[3];
}

void BM_SnapshotBuild(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<QbEntry> copy = data().entries;  // Snapshot takes ownership; copying is not ours
    state.ResumeTiming();
    Snapshot qb(std::move(copy));
    benchmark::DoNotOptimize(qb);
  }
}
BENCHMARK(BM_SnapshotBuild)->Unit(benchmark::kMillisecond);

void BM_ReconcileOnly(benchmark::State& state) {
  const Snapshot qb(data().entries);
  std::vector<Decision> decisions;
  for (auto _ : state) {
    state.PauseTiming();
    decisions.clear();
    state.ResumeTiming();
    decisions = reconcile(AccountKind::Customer, data().accounts, qb);
    benchmark::DoNotOptimize(decisions.data());
  }
  count_outcomes(state, decisions);
}
BENCHMARK(BM_ReconcileOnly)->Unit(benchmark::kMillisecond);

// The figure the target is about: index 100k names, then decide 100k accounts.
void BM_SnapshotAndReconcile(benchmark::State& state) {
  std::vector<Decision> decisions;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<QbEntry> copy = data().entries;
    decisions.clear();
    state.ResumeTiming();
    const Snapshot qb(std::move(copy));
    decisions = reconcile(AccountKind::Customer, data().accounts, qb);
    benchmark::DoNotOptimize(decisions.data());
  }
  count_outcomes(state, decisions);
}
BENCHMARK(BM_SnapshotAndReconcile)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
