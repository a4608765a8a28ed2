#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "reconcile/match.h"
#include "reconcile/reconcile.h"
#include "reconcile/text.h"

namespace qblink::reconcile {
namespace {

constexpr std::uint32_t kNone = UINT32_MAX;

std::size_t slot(QbList list) { return static_cast<std::size_t>(list); }

// A flat hash table from string_view to uint32 (open addressing, linear probing): one probe
// usually lands on the answer, where node-based maps cost a cache miss per node. The views must
// outlive the table; they point into the Snapshot's entries or its key arena, neither of which
// changes after construction (and moving a vector keeps its buffer). Keys of 64 KiB or more are
// not indexed: no QuickBooks name or ListID comes near (a FullName is at most 209 characters).
class ViewIndex {
 public:
  void reserve(std::size_t count) {
    std::size_t capacity = 16;
    while (capacity * 7 < count * 10) capacity *= 2;  // load factor at most 0.7
    if (capacity > slots_.size()) rehash(capacity);
  }

  // The value stored under `key`, inserting `value` first when the key is absent; nullptr for a
  // key too long to index.
  std::pair<std::uint32_t*, bool> try_emplace(std::string_view key, std::uint32_t value) {
    if (key.size() >= kMaxKey) return {nullptr, false};
    if ((size_ + 1) * 10 > slots_.size() * 7) rehash(std::max<std::size_t>(16, slots_.size() * 2));
    const std::size_t hash = std::hash<std::string_view>{}(key);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.value == kNone) {
        slot = {key.data(), value, static_cast<std::uint16_t>(key.size()), tag(hash)};
        ++size_;
        return {&slot.value, true};
      }
      if (matches(slot, key, hash)) return {&slot.value, false};
    }
  }

  const std::uint32_t* find(std::string_view key) const {
    if (size_ == 0 || key.size() >= kMaxKey) return nullptr;
    const std::size_t hash = std::hash<std::string_view>{}(key);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.value == kNone) return nullptr;
      if (matches(slot, key, hash)) return &slot.value;
    }
  }

 private:
  static constexpr std::size_t kMaxKey = 0xFFFF;

  struct Slot {  // 16 bytes: four to a cache line
    const char* data = nullptr;
    std::uint32_t value = kNone;
    std::uint16_t size = 0;
    std::uint16_t tag = 0;  // high hash bits: most mismatches end here, without touching the key
  };

  static std::uint16_t tag(std::size_t hash) { return static_cast<std::uint16_t>(hash >> 48); }
  static bool matches(const Slot& slot, std::string_view key, std::size_t hash) {
    return slot.tag == tag(hash) && slot.size == key.size() &&
           std::string_view(slot.data, slot.size) == key;
  }

  void rehash(std::size_t capacity) {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
    mask_ = capacity - 1;
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.value != kNone) try_emplace(std::string_view(slot.data, slot.size), slot.value);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

bool is_top_level(const QbEntry& entry) { return entry.full_name.find(':') == std::string::npos; }

// Both fold keys of a name (see text::PunctuationAs); `second` is empty when it equals `first`.
struct FoldKeys {
  std::string first, second;
  void compute(std::string_view name) {
    second.clear();
    if (text::fold(name, text::kAllFolds, text::PunctuationAs::Nothing, first)) {
      text::fold(name, text::kAllFolds, text::PunctuationAs::Space, second);
      if (second == first) second.clear();
    }
  }
};

}  // namespace

struct Snapshot::Index {
  std::array<ViewIndex, 4> by_list_id;
  std::array<ViewIndex, 4> by_full_name;
  // Fold key -> first node of a chain of entries sharing it. An entry sits in up to two chains.
  ViewIndex by_fold;
  struct Node {
    std::uint32_t entry;
    std::uint32_t next;
  };
  std::vector<Node> nodes;
  std::string key_arena;
  std::unique_ptr<match::Index> wide;  // rule 3's wider net

  // Entries whose fold key equals either key of `name`, each once, in snapshot order.
  template <typename Visit>
  void for_each_near(std::string_view name, Visit&& visit) const {
    thread_local FoldKeys keys;
    thread_local std::vector<std::uint32_t> found;
    keys.compute(name);
    found.clear();
    for (const std::string* key : {&keys.first, &keys.second}) {
      if (key->empty() && key == &keys.second) continue;
      const std::uint32_t* head = by_fold.find(*key);
      if (head == nullptr) continue;
      for (std::uint32_t n = *head; n != kNone; n = nodes[n].next) {
        found.push_back(nodes[n].entry);
      }
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    for (const std::uint32_t entry : found) visit(entry);
  }

  template <typename Keep>
  std::vector<Candidate> near(const std::vector<QbEntry>& entries, std::string_view name,
                              Keep&& keep) const {
    std::vector<Candidate> out;
    for_each_near(name, [&](std::uint32_t i) {
      const QbEntry& e = entries[i];
      if (!keep(e)) return;
      std::vector<NearKind> kinds = near_kinds(name, e.full_name);
      // The two punctuation readings can cross in the index; near_kinds has the last word.
      if (kinds.empty() && name != e.full_name) return;
      out.push_back(match::fold_candidate(e, std::move(kinds)));
    });
    return out;
  }
};

Snapshot::Snapshot(std::vector<QbEntry> entries) : entries_(std::move(entries)) {
  index_ = std::make_unique<Index>();
  Index& ix = *index_;
  // VendorRet has a Name and no FullName; a caller may fill only one of them.
  for (QbEntry& e : entries_) {
    if (e.full_name.empty()) e.full_name = e.name;
    if (e.name.empty()) e.name = e.full_name.substr(e.full_name.rfind(':') + 1);
  }
  std::array<std::size_t, 4> per_list{};
  for (const QbEntry& e : entries_) ++per_list[slot(e.list)];
  for (std::size_t l = 0; l < 4; ++l) {
    ix.by_list_id[l].reserve(per_list[l]);
    ix.by_full_name[l].reserve(per_list[l]);
  }

  // Keys go into one arena first: views into it are only safe once it stops growing.
  struct Key {
    std::size_t offset, length;
    std::uint32_t entry;
  };
  std::vector<Key> keys;
  keys.reserve(entries_.size());
  FoldKeys fold_keys;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    const QbEntry& e = entries_[i];
    ix.by_list_id[slot(e.list)].try_emplace(e.list_id, i);
    ix.by_full_name[slot(e.list)].try_emplace(e.full_name, i);
    fold_keys.compute(e.full_name);
    for (const std::string* key : {&fold_keys.first, &fold_keys.second}) {
      if (key->empty() && key == &fold_keys.second) continue;
      keys.push_back({ix.key_arena.size(), key->size(), i});
      ix.key_arena += *key;
    }
  }
  ix.by_fold.reserve(keys.size());
  ix.nodes.reserve(keys.size());
  const std::string_view arena(ix.key_arena);
  // Backwards, prepending, so that every chain ends up in snapshot order.
  for (auto k = keys.rbegin(); k != keys.rend(); ++k) {
    const auto node = static_cast<std::uint32_t>(ix.nodes.size());
    const auto [head, inserted] = ix.by_fold.try_emplace(arena.substr(k->offset, k->length), node);
    if (head == nullptr) continue;
    ix.nodes.push_back({k->entry, inserted ? kNone : *head});
    *head = node;
  }
  ix.wide = std::make_unique<match::Index>(entries_);
}

Snapshot::~Snapshot() = default;
Snapshot::Snapshot(Snapshot&&) noexcept = default;
Snapshot& Snapshot::operator=(Snapshot&&) noexcept = default;

const QbEntry* Snapshot::by_list_id(QbList list, std::string_view list_id) const {
  const std::uint32_t* i = index_->by_list_id[slot(list)].find(list_id);
  return i == nullptr ? nullptr : &entries_[*i];
}

const QbEntry* Snapshot::by_full_name(QbList list, std::string_view full_name) const {
  const std::uint32_t* i = index_->by_full_name[slot(list)].find(full_name);
  return i == nullptr ? nullptr : &entries_[*i];
}

std::vector<const QbEntry*> Snapshot::by_name_nocase(std::string_view name) const {
  // Equal ignoring case implies equal fold keys, so the fold index narrows the search.
  std::vector<const QbEntry*> out;
  index_->for_each_near(name, [&](std::uint32_t i) {
    const QbEntry& e = entries_[i];
    if (is_top_level(e) && text::equal_nocase(e.name, name)) out.push_back(&e);
  });
  return out;
}

std::vector<Candidate> Snapshot::near(QbList list, std::string_view name) const {
  return index_->near(entries_, name, [&](const QbEntry& e) { return e.list == list; });
}

std::vector<Candidate> Snapshot::near_any(std::string_view name) const {
  return index_->near(entries_, name, [](const QbEntry&) { return true; });
}

std::vector<Candidate> Snapshot::match(const Account& account, std::string_view name,
                                       std::size_t limit) const {
  return index_->wide->find(entries_, account, name, limit);
}

std::size_t Snapshot::size() const { return entries_.size(); }

}  // namespace qblink::reconcile
