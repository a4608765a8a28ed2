// Figures for rule 3 on the labelled corpus: reconcile() and, for comparison, the naive recipe
// (normalise, then a difflib-like ratio >= 0.85 against every QuickBooks name).
//   match_eval [path/to/match_corpus.tsv]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/match/corpus_eval.h"

namespace {

using namespace qblink::reconcile;

// Lowercase, "&" as "and", punctuation dropped, spaces collapsed.
std::string naive_normal(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '&') {
      out += " and ";
    } else if (std::isalnum(c) || c >= 0x80) {
      out += static_cast<char>(std::tolower(c));
    } else if (std::isspace(c)) {
      out += ' ';
    }
  }
  std::string collapsed;
  for (const char c : out) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed += c;
  }
  while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  return collapsed;
}

// difflib.SequenceMatcher.ratio(): 2 * matched / total, matched by the longest common block,
// then recursively left and right of it (Ratcliff/Obershelp).
std::size_t matched(const std::string& a, std::size_t alo, std::size_t ahi, const std::string& b,
                    std::size_t blo, std::size_t bhi) {
  if (alo >= ahi || blo >= bhi) return 0;
  std::size_t best = 0, bi = 0, bj = 0;
  std::vector<std::size_t> prev(bhi - blo + 1, 0), cur(bhi - blo + 1, 0);
  for (std::size_t i = alo; i < ahi; ++i) {
    for (std::size_t j = blo; j < bhi; ++j) {
      cur[j - blo + 1] = a[i] == b[j] ? prev[j - blo] + 1 : 0;
      if (cur[j - blo + 1] > best) {
        best = cur[j - blo + 1];
        bi = i + 1 - best;
        bj = j + 1 - best;
      }
    }
    std::swap(prev, cur);
  }
  if (best == 0) return 0;
  return best + matched(a, alo, bi, b, blo, bj) + matched(a, bi + best, ahi, b, bj + best, bhi);
}

double ratio(const std::string& a, const std::string& b) {
  const double total = static_cast<double>(a.size() + b.size());
  return total == 0 ? 1
                    : 2.0 * static_cast<double>(matched(a, 0, a.size(), b, 0, b.size())) / total;
}

corpus::Figures baseline(const std::vector<corpus::Row>& rows) {
  struct Q {
    std::string id, full, normal;
    bool vendor;
    int hist[256];
  };
  std::vector<Q> qs;
  for (const corpus::Row& r : rows) {
    if (r.qb_name.empty()) continue;
    Q q{r.qb_id, r.qb_name, naive_normal(r.qb_name), r.list == "vendor", {}};
    for (const char c : q.normal) ++q.hist[static_cast<unsigned char>(c)];
    qs.push_back(std::move(q));
  }
  corpus::Figures f;
  for (const corpus::Row& r : rows) {
    if (!corpus::is_account(r)) continue;
    corpus::Answer a;
    const bool vendor = r.list == "vendor";
    for (const Q& q : qs) {
      if (q.vendor == vendor && q.full == r.account) {
        a.outcome = Outcome::Linked;
        a.list_id = q.id;
      }
    }
    if (a.outcome != Outcome::Linked) {
      const std::string n = naive_normal(r.account);
      int hist[256] = {};
      for (const char c : n) ++hist[static_cast<unsigned char>(c)];
      for (const Q& q : qs) {
        const double total = static_cast<double>(n.size() + q.normal.size());
        if (2.0 * static_cast<double>(std::min(n.size(), q.normal.size())) < 0.85 * total) continue;
        int common = 0;  // difflib's quick_ratio bound
        for (int c = 0; c < 256; ++c) common += std::min(hist[c], q.hist[c]);
        if (2.0 * common < 0.85 * total) continue;
        if (ratio(n, q.normal) >= 0.85) a.candidates.push_back(q.id);
      }
      a.outcome = a.candidates.empty() ? Outcome::New : Outcome::Review;
      a.detail = a.candidates.empty() ? "baseline: new" : "baseline: held";
    }
    corpus::score(r, a, f);
  }
  return f;
}

void print(const char* title, const corpus::Figures& f) {
  std::printf("%s\n", title);
  std::printf("  same customers not added (linked or held): %5.1f%%  (%d of %d)  target >= 99%%\n",
              f.pct(f.same_not_added, f.same), f.same_not_added, f.same);
  std::printf("  true entry among the candidates:           %5.1f%%  (%d of %d)  target >= 97%%\n",
              f.pct(f.same_found, f.same), f.same_found, f.same);
  std::printf("  wrong links:                               %5d             must be 0\n",
              f.wrong_links);
  std::printf("  look-alike different customers held:       %5.1f%%  (%d of %d)  target <= 10%%\n",
              f.pct(f.lookalike_held, f.lookalike), f.lookalike_held, f.lookalike);
  std::printf("  unrelated new customers held:              %5.1f%%  (%d of %d)  target <= 2%%\n",
              f.pct(f.unrelated_held, f.unrelated), f.unrelated_held, f.unrelated);
  for (const auto& [variant, n] : f.missed_by_variant) {
    std::printf("    added although the same (%s): %d\n", variant.c_str(), n);
  }
  for (const auto& [variant, n] : f.held_by_variant) {
    std::printf("    held although different (%s): %d\n", variant.c_str(), n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1]
               : std::string(QBLINK_SOURCE_DIR) + "/tests/reconcile/data/match_corpus.tsv";
  const auto rows = corpus::load(path);
  if (rows.empty()) {
    std::fprintf(stderr, "no corpus at %s\n", path.c_str());
    return 1;
  }
  int accounts = 0, entries = 0;
  for (const auto& r : rows) {
    accounts += corpus::is_account(r);
    entries += !r.qb_name.empty();
  }
  std::printf("corpus: %zu rows, %d accounts, %d QuickBooks entries (%s)\n", rows.size(), accounts,
              entries, path.c_str());
  const auto t0 = std::chrono::steady_clock::now();
  const Snapshot qb(corpus::snapshot_entries(rows));
  const corpus::Figures f = corpus::evaluate(rows, qb);
  const auto t1 = std::chrono::steady_clock::now();
  print("qblink reconcile():", f);
  std::printf("  (%.1f ms, snapshot included)\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count());
  print("naive baseline (normalise, difflib ratio >= 0.85):", baseline(rows));
  if (argc > 2) {
    for (const auto& e : f.examples) std::printf("  %s\n", e.c_str());
  }
}
