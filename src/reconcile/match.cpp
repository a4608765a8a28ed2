#include "reconcile/match.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_set>
#include <utility>

#include "reconcile/text.h"

namespace qblink::reconcile::match {
namespace {

// --- word lists -------------------------------------------------------------------------------

bool in(std::string_view word, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

bool is_title(std::string_view w) {
  return in(w, {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "mister"});
}

bool is_legal(std::string_view w) {
  return in(w, {"ltd",         "limited", "llc", "inc", "incorporated", "co",   "company", "corp",
                "corporation", "plc",     "llp", "lp",  "pty",          "gmbh", "pllc",    "pc",
                "lc",          "sa",      "bv",  "ag",  "srl",          "sarl", "ulc"});
}

// Abbreviations and ordinals, spelled out (canonical form on the right).
std::string_view canonical(std::string_view w) {
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"st", "street"},
      {"str", "street"},
      {"rd", "road"},
      {"ave", "avenue"},
      {"av", "avenue"},
      {"blvd", "boulevard"},
      {"hwy", "highway"},
      {"ln", "lane"},
      {"dr", "drive"},
      {"pkwy", "parkway"},
      {"ct", "court"},
      {"sq", "square"},
      {"hts", "heights"},
      {"mt", "mount"},
      {"ft", "fort"},
      {"pt", "point"},
      {"bros", "brothers"},
      {"svc", "services"},
      {"svcs", "services"},
      {"srvcs", "services"},
      {"servs", "services"},
      {"mgmt", "management"},
      {"mgt", "management"},
      {"assoc", "associates"},
      {"assocs", "associates"},
      {"assn", "association"},
      {"intl", "international"},
      {"ctr", "center"},
      {"cntr", "center"},
      {"centre", "center"},
      {"dept", "department"},
      {"natl", "national"},
      {"mfg", "manufacturing"},
      {"constr", "construction"},
      {"elec", "electric"},
      {"plbg", "plumbing"},
      {"htg", "heating"},
      {"engr", "engineering"},
      {"eng", "engineering"},
      {"ent", "enterprises"},
      {"ents", "enterprises"},
      {"hldgs", "holdings"},
      {"inds", "industries"},
      {"ind", "industries"},
      {"sys", "systems"},
      {"bldg", "building"},
      {"bldrs", "builders"},
      {"contr", "contractors"},
      {"maint", "maintenance"},
      {"apts", "apartments"},
      {"univ", "university"},
      {"1st", "first"},
      {"2nd", "second"},
      {"3rd", "third"},
      {"4th", "fourth"},
      {"5th", "fifth"},
      {"6th", "sixth"},
      {"7th", "seventh"},
      {"8th", "eighth"},
      {"9th", "ninth"},
      {"10th", "tenth"},
      {"11th", "eleventh"},
      {"12th", "twelfth"},
  };
  for (const auto& [from, to] : kMap) {
    if (from == w) return to;
  }
  return w;
}

bool is_ordinal(std::string_view w) {
  return in(w, {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                "ninth", "tenth", "eleventh", "twelfth"});
}

// Words that say what a business does or where it is, not who it is: an extra or missing one
// is tolerated, agreeing on one is weak evidence, and two different ones are two businesses.
bool is_generic(std::string_view w) {
  static const std::unordered_set<std::string_view> kWords = {
      "plumbing",     "plumbers",     "plumber",       "heating",       "cooling",
      "air",          "conditioning", "hvac",          "electric",      "electrical",
      "electricians", "electrician",  "roofing",       "roofers",       "roofer",
      "construction", "contractors",  "contractor",    "contracting",   "builders",
      "builder",      "building",     "homes",         "home",          "remodeling",
      "remodelling",  "renovations",  "renovation",    "restoration",   "landscaping",
      "landscape",    "landscapes",   "lawn",          "lawns",         "gardening",
      "services",     "service",      "supply",        "supplies",      "industrial",
      "industries",   "solutions",    "systems",       "group",         "enterprises",
      "enterprise",   "holdings",     "international", "associates",    "association",
      "partners",     "management",   "consulting",    "consultants",   "maintenance",
      "repair",       "repairs",      "cleaning",      "cleaners",      "janitorial",
      "painting",     "painters",     "paving",        "fencing",       "flooring",
      "carpentry",    "masonry",      "concrete",      "excavation",    "excavating",
      "drywall",      "windows",      "doors",         "glass",         "pools",
      "pool",         "spas",         "pest",          "control",       "security",
      "auto",         "automotive",   "motors",        "trucking",      "transport",
      "logistics",    "dental",       "dentistry",     "medical",       "clinic",
      "pharmacy",     "bakery",       "cafe",          "restaurant",    "store",
      "stores",       "shop",         "market",        "hardware",      "lumber",
      "equipment",    "rentals",      "rental",        "properties",    "property",
      "realty",       "development",  "design",        "designs",       "studio",
      "salon",        "farm",         "farms",         "dairy",         "tire",
      "tires",        "engineering",  "manufacturing", "distribution",  "insurance",
      "accounting",   "office",       "center",        "department",    "water",
      "septic",       "irrigation",   "tree",          "snow",          "removal",
      "moving",       "storage",      "mechanical",    "welding",       "machine",
      "tools",        "sons",         "brothers",      "daughters",     "family",
      "national",     "general",      "works",         "apartments",    "care",
      "garage",       "towing",       "appliance",     "appliances",    "flooring",
      "cabinets",     "kitchens",     "baths",         "interiors",     "exteriors",
      "veterinary",   "vet",          "law",           "legal",         "firm",
      "office",       "supply",       "wholesale",     "retail",        "trading",
      "foods",        "catering",     "printing",      "signs",         "media",
      "technology",   "technologies", "tech",          "computer",      "computers",
      "networks",     "energy",       "solar",         "gas",           "oil",
      "propane",      "fuel",         "chimney",       "gutters",       "siding",
      "decks",        "handyman",     "installation",  "installations", "inspection",
      "inspections",  "surveying",    "architects",    "architecture",  "studios",
      "fitness",      "gym",          "school",        "academy",       "church",
      "hotel",        "inn",          "motel",         "dentist",       "optical",
      "chiropractic", "therapy",      "health",        "healthcare",    "nursing",
      "pharmacy",     "mart",         "outlet",        "depot",         "warehouse",
      "yard",         "nursery",      "greenhouse"};
  return kWords.contains(w);
}

bool is_numeric(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Letters of Latin Extended-A (U+0100..U+017F) without their marks; '?' for the two ligatures.
constexpr std::string_view kExtendedA =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSsSs"
    "SsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
// Vietnamese letters U+1EA0..U+1EF9 by base letter: 24 A, 16 E, 4 I, 24 O, 14 U, 8 Y.
char vietnamese_base(char32_t cp) {
  const char32_t i = cp - 0x1EA0;
  if (i < 24) return 'a';
  if (i < 40) return 'e';
  if (i < 44) return 'i';
  if (i < 68) return 'o';
  if (i < 82) return 'u';
  return 'y';
}

// The ASCII letters for a code point beyond Latin-1, "" when it is a mark to drop, or nullptr
// when it is some other character (kept as it is).
const char* beyond_latin1(char32_t cp, char (&buf)[3]) {
  buf[1] = buf[2] = '\0';
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x132 || cp == 0x133) return "ij";
    if (cp == 0x152 || cp == 0x153) return "oe";
    buf[0] = static_cast<char>(kExtendedA[cp - 0x100] | 0x20);
    return buf;
  }
  if (cp == 0x1A0 || cp == 0x1A1) return "o";
  if (cp == 0x1AF || cp == 0x1B0) return "u";
  if (cp >= 0x1EA0 && cp <= 0x1EF9) {
    buf[0] = vietnamese_base(cp);
    return buf;
  }
  if (cp >= 0x300 && cp <= 0x36F) return "";  // combining marks (decomposed input)
  return nullptr;
}

bool is_separator_cp(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
         cp == 0x3000;
}

std::string capitalised(std::string_view w) {
  std::string out(w);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string legal_display(std::string_view words) {
  std::string out;
  std::size_t from = 0;
  while (from <= words.size()) {
    std::size_t to = words.find(' ', from);
    if (to == std::string_view::npos) to = words.size();
    const std::string_view w = words.substr(from, to - from);
    if (!out.empty()) out += ' ';
    if (in(w, {"llc", "plc", "llp", "lp", "pllc", "pc", "lc", "sa", "bv", "ag", "srl", "ulc"})) {
      for (const char c : w) out += static_cast<char>(c - 32);
    } else if (w == "gmbh") {
      out += "GmbH";
    } else {
      out += capitalised(w);
    }
    from = to + 1;
  }
  return out;
}

// --- normalisation ----------------------------------------------------------------------------

struct Work {
  std::string text;
  bool possessive = false;
  bool optional = false;
};

bool alpha_word(const Work& w) { return !w.text.empty() && w.text != "&" && !is_numeric(w.text); }
bool is_and(const Work& w) { return w.text == "&" || w.text == "and"; }

void split(std::string_view folded, std::vector<Work>& words, int& comma_at, Norm& out) {
  std::string cur;
  bool possessive = false;
  const auto flush = [&] {
    if (!cur.empty()) words.push_back({cur, possessive, false});
    cur.clear();
    possessive = false;
  };
  for (std::size_t i = 0; i < folded.size();) {
    const text::CodePoint d = text::decode_utf8(folded, i);
    const char32_t cp = d.valid ? d.value : 0xFFFD;
    const std::size_t at = i;
    i += d.length;
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
      cur.push_back(static_cast<char>(cp));
    } else if (cp >= 'A' && cp <= 'Z') {
      cur.push_back(static_cast<char>(cp + 32));
    } else if (cp == '\'' || cp == '`' || cp == 0x2018 || cp == 0x2019 || cp == 0xB4) {
      // Deleted: "O'Brien" -> "obrien", "Bob's" -> "bobs" (noted as a possessive).
      const bool s_follows =
          i < folded.size() && (folded[i] == 's' || folded[i] == 'S') &&
          (i + 1 == folded.size() || !std::isalnum(static_cast<unsigned char>(folded[i + 1])));
      if (s_follows && !cur.empty()) possessive = true;
    } else if (cp == '.') {
      // Deleted: "L.L.C." -> "llc", "St." -> "st".
    } else if (cp == '&' || cp == '+') {
      flush();
      words.push_back({"&", false, false});
    } else if (cp == ',') {
      flush();
      if (comma_at < 0) comma_at = static_cast<int>(words.size());
    } else if (cp == '-' || (cp >= 0x2010 && cp <= 0x2015)) {
      if (!cur.empty()) out.hyphen = true;
      flush();
    } else if (cp >= 0x100 || (cp >= 0x80 && !is_separator_cp(cp))) {
      char buf[3];
      if (const char* ascii = beyond_latin1(cp, buf)) {
        cur += ascii;
      } else if (is_separator_cp(cp)) {
        flush();
      } else {
        cur.append(folded.substr(at, d.length));  // a letter we cannot spell in ASCII
      }
    } else {
      flush();
    }
  }
  flush();
}

void erase_at(std::vector<Work>& words, std::size_t i, int& comma_at) {
  words.erase(words.begin() + static_cast<std::ptrdiff_t>(i));
  if (comma_at > static_cast<int>(i)) --comma_at;
}

}  // namespace

void normalise(std::string_view name, Norm& out) {
  out.tokens.clear();
  out.legal.clear();
  out.title.clear();
  out.leading_the = out.last_first = out.couple = out.mc_spacing = out.hyphen = false;
  // Letters with marks: Latin-1 (C3 xx), Latin Extended-A/B (C4..C6 xx), Vietnamese (E1 BA/BB xx).
  out.accents = false;
  for (std::size_t i = 0; i + 1 < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]), d = static_cast<unsigned char>(name[i + 1]);
    if ((c >= 0xC3 && c <= 0xC6 && !(c == 0xC3 && (d == 0x97 || d == 0xB7))) ||
        (c == 0xE1 && (d == 0xBA || d == 0xBB))) {
      out.accents = true;
    }
  }
  out.initials = out.conjunction = 0;

  thread_local std::string folded;
  thread_local std::vector<Work> w;
  w.clear();
  text::fold(name, text::fold_bit(NearKind::Case) | text::fold_bit(NearKind::Accents),
             text::PunctuationAs::Nothing, folded);
  int comma_at = -1;
  split(folded, w, comma_at, out);

  // Titles, at the start or right after the comma: "Mrs Ann Kelly", "Kelly, Mrs Ann",
  // "Mr & Mrs John Smith".
  for (const int at : {0, comma_at}) {
    if (at < 0) continue;
    const auto i = static_cast<std::size_t>(at);
    // Only before a name: "MS Construction" is no Ms.
    const auto name_follows = [&](std::size_t t) {
      return std::any_of(
          w.begin() + static_cast<std::ptrdiff_t>(t) + 1, w.end(), [](const Work& x) {
            return alpha_word(x) && !is_generic(x.text) && !is_title(x.text) && x.text != "and";
          });
    };
    while (i + 1 < w.size() && is_title(w[i].text) && name_follows(i)) {
      if (out.title.empty()) out.title = w[i].text;
      erase_at(w, i, comma_at);
      if (i + 1 < w.size() && is_and(w[i]) && is_title(w[i + 1].text)) erase_at(w, i, comma_at);
    }
  }
  // A leading "The", or a trailing ", The".
  if (w.size() > 1 && w.front().text == "the") {
    out.leading_the = true;
    erase_at(w, 0, comma_at);
  } else if (w.size() > 1 && w.back().text == "the" && comma_at == static_cast<int>(w.size()) - 1) {
    out.leading_the = true;
    w.pop_back();
    comma_at = -1;
  }
  // A couple: "John & Mary Smith", "Smith, John & Mary": either given name may be missing.
  if (w.size() == 4 && is_and(w[1]) && comma_at < 0 && w[0].text.size() > 1 &&
      w[2].text.size() > 1 && alpha_word(w[0]) && alpha_word(w[2]) && alpha_word(w[3]) &&
      !is_generic(w[0].text) && !is_generic(w[2].text) && !is_generic(w[3].text) &&
      !is_legal(w[3].text)) {
    out.couple = true;
    w[0].optional = w[2].optional = true;
  } else if (w.size() == 4 && comma_at == 1 && is_and(w[2]) && w[1].text.size() > 1 &&
             w[3].text.size() > 1 && alpha_word(w[1]) && alpha_word(w[3]) &&
             !is_generic(w[0].text)) {
    out.couple = true;
    w[1].optional = w[3].optional = true;
  }
  // Initials: "J & M", "J and M", "J M" -> "jm".
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i].text.size() != 1 || is_numeric(w[i].text) || w[i].text == "&") continue;
    std::size_t j = i + 1;
    char joiner = 0;
    std::string joined = w[i].text;
    while (j < w.size()) {
      if (w[j].text.size() == 1 && w[j].text != "&" && !is_numeric(w[j].text)) {
        joined += w[j].text;
        if (joiner == 0) joiner = ' ';
        ++j;
      } else if (is_and(w[j]) && j + 1 < w.size() && w[j + 1].text.size() == 1 &&
                 w[j + 1].text != "&" && !is_numeric(w[j + 1].text)) {
        joined += w[j + 1].text;
        joiner = w[j].text == "&" ? '&' : 'a';
        j += 2;
      } else {
        break;
      }
    }
    if (joined.size() < 2) continue;
    out.initials = joiner;
    w[i].text = joined;
    while (j > i + 1) erase_at(w, --j, comma_at);
  }
  // Mc/O' spacing: "Mc Donald" -> "mcdonald", "O Brien" -> "obrien".
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if ((w[i].text == "mc" || w[i].text == "o") && w[i + 1].text.size() >= 3 &&
        alpha_word(w[i + 1])) {
      w[i].text += w[i + 1].text;
      w[i].possessive = w[i + 1].possessive;
      out.mc_spacing = true;
      erase_at(w, i + 1, comma_at);
    }
  }
  // "&", "+" and "and" say nothing about who it is.
  for (std::size_t i = 0; i < w.size();) {
    if (is_and(w[i]) && w.size() > 1) {
      out.conjunction = w[i].text == "&" ? '&' : 'a';
      erase_at(w, i, comma_at);
    } else {
      ++i;
    }
  }
  // Legal-entity words at the end: "Acme Plumbing Pty Ltd".
  while (w.size() > 1 && is_legal(w.back().text) && comma_at != static_cast<int>(w.size())) {
    out.legal = out.legal.empty() ? w.back().text : w.back().text + " " + out.legal;
    w.pop_back();
  }
  if (comma_at >= static_cast<int>(w.size())) comma_at = -1;
  // "Last, First": one or two words before the comma, one to three after, none of them generic.
  if (comma_at >= 1 && comma_at <= 2 && w.size() - static_cast<std::size_t>(comma_at) <= 3 &&
      std::none_of(w.begin(), w.end(), [](const Work& x) { return is_generic(x.text); })) {
    out.last_first = true;
    std::rotate(w.begin(), w.begin() + comma_at, w.end());
  }
  out.tokens.reserve(w.size());
  for (const Work& x : w) {
    Token t;
    t.raw = x.text;
    t.text = std::string(canonical(x.text));
    t.generic = is_generic(t.text);
    t.optional = x.optional;
    t.possessive = x.possessive;
    out.tokens.push_back(std::move(t));
  }
}

Candidate fold_candidate(const QbEntry& e, std::vector<NearKind> kinds) {
  Candidate c;
  c.list = e.list;
  c.list_id = e.list_id;
  c.full_name = e.full_name;
  c.is_active = e.is_active;
  c.kinds = std::move(kinds);
  c.score = 1.0 - 0.01 * static_cast<double>(c.kinds.size());
  for (const NearKind k : c.kinds) c.evidence.emplace_back(to_string(k));
  if (c.kinds.empty()) c.evidence.emplace_back("same name");
  return c;
}

std::string phone_key(std::string_view phone) {
  std::string digits;
  for (const char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.size() < 7) return "";
  if (digits.size() > 10) digits.erase(0, digits.size() - 10);
  return digits;
}

std::string email_key(std::string_view email) {
  while (!email.empty() && (email.front() == ' ' || email.front() == '<')) email.remove_prefix(1);
  while (!email.empty() && (email.back() == ' ' || email.back() == '>')) email.remove_suffix(1);
  const std::size_t at = email.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 >= email.size()) return "";
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

namespace {

// --- keys -------------------------------------------------------------------------------------

enum Tag : std::uint64_t { kToken = 1, kPrint, kConcat, kEmail, kPhone, kDeletion };

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t key(Tag tag, std::string_view s) {
  return mix(std::hash<std::string_view>{}(s) + tag * 0x9E3779B97F4A7C15ull);
}

std::string fingerprint(const Norm& n) {
  thread_local std::vector<std::string_view> words;
  words.clear();
  for (const Token& t : n.tokens) words.push_back(t.text);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  std::string out;
  for (const std::string_view w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string concatenated(const Norm& n) {
  std::string out;
  for (const Token& t : n.tokens) out += t.text;
  return out;
}

// Hash key -> postings, built once: sorted pairs, then an open-addressing table over the keys.
class KeyTable {
 public:
  void build(std::vector<std::pair<std::uint64_t, std::uint32_t>>& pairs) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    keys_.clear();
    starts_.clear();
    postings_.clear();
    postings_.reserve(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      if (i == 0 || pairs[i].first != pairs[i - 1].first) {
        keys_.push_back(pairs[i].first);
        starts_.push_back(static_cast<std::uint32_t>(postings_.size()));
      }
      postings_.push_back(pairs[i].second);
    }
    starts_.push_back(static_cast<std::uint32_t>(postings_.size()));
    std::size_t capacity = 16;
    while (capacity < keys_.size() * 2) capacity *= 2;
    slots_.assign(capacity, kEmpty);
    mask_ = capacity - 1;
    for (std::uint32_t k = 0; k < keys_.size(); ++k) {
      std::size_t s = keys_[k] & mask_;
      while (slots_[s] != kEmpty) s = (s + 1) & mask_;
      slots_[s] = k;
    }
  }

  std::span<const std::uint32_t> find(std::uint64_t key) const {
    if (keys_.empty()) return {};
    for (std::size_t s = key & mask_;; s = (s + 1) & mask_) {
      const std::uint32_t k = slots_[s];
      if (k == kEmpty) return {};
      if (keys_[k] == key) return {postings_.data() + starts_[k], starts_[k + 1] - starts_[k]};
    }
  }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> starts_, postings_, slots_;
  std::size_t mask_ = 0;
};

// A block (entries sharing a key) larger than this is no block: skipped.
constexpr std::size_t kMaxNameBlock = 1000;
constexpr std::size_t kMaxContactBlock = 50;
constexpr std::uint32_t kContactForm = 3;

// The texts an entry answers to: its Name, QuickBooks' CompanyName, FirstName LastName.
std::string_view entry_form(const QbEntry& e, std::uint32_t form, std::string& buf) {
  switch (form) {
    case 0:
      return e.name.empty() ? std::string_view(e.full_name) : std::string_view(e.name);
    case 1:
      return e.company_name == e.name ? std::string_view() : std::string_view(e.company_name);
    case 2:
      if (e.first_name.empty() && e.last_name.empty()) return {};
      buf = e.first_name;
      if (!buf.empty() && !e.last_name.empty()) buf += ' ';
      buf += e.last_name;
      return buf == e.name ? std::string_view() : std::string_view(buf);
    default:
      return {};
  }
}

bool is_job(const QbEntry& e) { return e.full_name.find(':') != std::string::npos; }

// --- comparison -------------------------------------------------------------------------------

enum class Via { None, Exact, Plural, Typo, Swap, Joined };

// One edit apart (substitution, insertion, deletion or two neighbours swapped)?
Via one_edit(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return Via::None;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    if (i == a.size()) return Via::Exact;
    if (a.substr(i + 1) == b.substr(i + 1)) return Via::Typo;
    if (i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
        a.substr(i + 2) == b.substr(i + 2)) {
      return Via::Swap;
    }
    return Via::None;
  }
  return a.substr(i) == b.substr(i + 1) ? Via::Typo : Via::None;
}

Via token_match(const Token& x, const Token& y, int pass) {
  const std::string_view a = x.text, b = y.text;
  if (pass == 0) return a == b ? Via::Exact : Via::None;
  if (pass == 1) {
    const auto plural = [](std::string_view s, std::string_view p) {
      return s.size() >= 3 && p.size() == s.size() + 1 && p.back() == 's' && p.starts_with(s);
    };
    return plural(a, b) || plural(b, a) ? Via::Plural : Via::None;
  }
  // Typos: words of four letters or more (one of five), same first letter, no numbers, and
  // not between a generic and a distinctive word ("Bakery" is no typo of "Baker").
  if (x.generic != y.generic || std::min(a.size(), b.size()) < 4 ||
      std::max(a.size(), b.size()) < 5 || a[0] != b[0] || is_numeric(a) || is_numeric(b)) {
    return Via::None;
  }
  return one_edit(a, b);
}

struct Verdict {
  bool near = false;
  bool soft = false;  // a typo, an extra word, a missing given name: never strong
  double score = 0;
  std::vector<std::string> evidence;
};

void add_once(std::vector<std::string>& list, std::string item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
}

Verdict compare(const Norm& a, const Norm& b) {
  Verdict v;
  const std::size_t na = a.tokens.size(), nb = b.tokens.size();
  if (na == 0 || nb == 0) return v;
  thread_local std::vector<int> ma, mb;
  thread_local std::vector<Via> via;
  ma.assign(na, -1);
  mb.assign(nb, -1);
  via.assign(na, Via::None);
  for (int pass = 0; pass < 3; ++pass) {
    for (std::size_t i = 0; i < na; ++i) {
      if (ma[i] >= 0) continue;
      for (std::size_t j = 0; j < nb; ++j) {
        if (mb[j] >= 0) continue;
        const Via how = token_match(a.tokens[i], b.tokens[j], pass);
        if (how == Via::None) continue;
        ma[i] = static_cast<int>(j);
        mb[j] = static_cast<int>(i);
        via[i] = how;
        break;
      }
    }
  }
  // Two words written as one: "Green Gardener" / "Greengardener".
  const auto join = [&](const Norm& x, std::vector<int>& mx, const Norm& y, std::vector<int>& my,
                        bool x_is_a) {
    for (std::size_t j = 0; j < y.tokens.size(); ++j) {
      if (my[j] >= 0 || y.tokens[j].text.size() < 5) continue;
      for (std::size_t i = 0; i + 1 < x.tokens.size(); ++i) {
        if (mx[i] >= 0 || mx[i + 1] >= 0) continue;
        if (x.tokens[i].text + x.tokens[i + 1].text != y.tokens[j].text) continue;
        mx[i] = mx[i + 1] = static_cast<int>(j);
        my[j] = static_cast<int>(i);
        if (x_is_a) {
          via[i] = via[i + 1] = Via::Joined;
        } else {
          via[j] = Via::Joined;
        }
        break;
      }
    }
  };
  join(a, ma, b, mb, true);
  join(b, mb, a, ma, false);
  for (std::size_t i = 0; i < na; ++i) {
    if (ma[i] >= 0 && via[i] == Via::None) via[i] = Via::Joined;
  }

  bool matched_distinctive = false, all_matched = true;
  bool extra_a = false, extra_b = false;
  double total = 0, got = 0;
  for (std::size_t i = 0; i < na; ++i) {
    const Token& t = a.tokens[i];
    if (ma[i] < 0) {
      all_matched = false;
      if (!t.generic && !t.optional) return v;  // a distinctive word of its own: someone else
      if (t.generic) extra_a = true;
      total += t.weight * (t.optional ? 0.3 : 1);
      continue;
    }
    const Token& u = b.tokens[static_cast<std::size_t>(ma[i])];
    if (!t.generic || !u.generic) matched_distinctive = true;
    const double w = std::max(t.weight, u.weight);
    const double factor = via[i] == Via::Exact    ? 1
                          : via[i] == Via::Plural ? 0.97
                          : via[i] == Via::Joined ? 0.95
                                                  : 0.85;
    total += w;
    got += w * factor;
  }
  for (std::size_t j = 0; j < nb; ++j) {
    const Token& t = b.tokens[j];
    if (mb[j] >= 0) continue;
    all_matched = false;
    if (!t.generic && !t.optional) return v;
    if (t.generic) extra_b = true;
    total += t.weight * (t.optional ? 0.3 : 1);
  }
  if (extra_a && extra_b) return v;  // "Kowalski Roofing" / "Kowalski Plumbing"
  if (!matched_distinctive && !all_matched) return v;
  v.near = true;
  v.score = total > 0 ? got / total : 0;

  // The evidence, strongest first.
  std::vector<std::string>& ev = v.evidence;
  if (a.last_first != b.last_first) ev.push_back("person name order (Last, First)");
  if (a.title != b.title) {
    ev.push_back("title " + capitalised(a.title.empty() ? b.title : a.title) + " dropped");
  }
  if (a.legal != b.legal) {
    ev.push_back(a.legal.empty() || b.legal.empty()
                     ? "legal suffix differs (" + legal_display(a.legal + b.legal) + ")"
                     : "legal suffix differs (" + legal_display(a.legal) + " / " +
                           legal_display(b.legal) + ")");
  }
  if (a.leading_the != b.leading_the) ev.push_back("leading 'The'");
  if (a.conjunction != b.conjunction && a.initials == b.initials) ev.push_back("& vs and");
  if (a.initials != b.initials) ev.push_back("initials written differently");
  if (a.mc_spacing != b.mc_spacing) ev.push_back("Mc/Mac/O' spacing");
  if (a.hyphen != b.hyphen) ev.push_back("hyphen");
  if (a.accents != b.accents) ev.push_back("accents");
  bool order_differs = false;
  int last = -1;
  for (std::size_t i = 0; i < na; ++i) {
    if (ma[i] < 0) continue;
    const Token& t = a.tokens[i];
    const Token& u = b.tokens[static_cast<std::size_t>(ma[i])];
    if (ma[i] < last) order_differs = true;
    last = ma[i];
    switch (via[i]) {
      case Via::Exact:
        if (t.raw != u.raw) {
          add_once(ev, std::string(is_ordinal(t.text) ? "ordinal " : "abbreviation ") +
                           capitalised(t.raw) + " = " + capitalised(u.raw));
        } else if (t.possessive != u.possessive) {
          add_once(ev, "possessive " + capitalised(t.raw));
        }
        break;
      case Via::Plural:
        add_once(ev, (t.possessive || u.possessive ? "possessive " : "singular/plural ") +
                         capitalised(t.raw) + " / " + capitalised(u.raw));
        break;
      case Via::Typo:
        add_once(ev, "one letter differs in " + capitalised(u.raw));
        v.soft = true;
        break;
      case Via::Swap:
        add_once(ev, "two letters swapped in " + capitalised(u.raw));
        v.soft = true;
        break;
      case Via::Joined:
        add_once(ev, "words run together (" +
                         capitalised(t.raw.size() > u.raw.size() ? t.raw : u.raw) + ")");
        break;
      case Via::None:
        break;
    }
  }
  if (order_differs && a.last_first == b.last_first) ev.push_back("word order");
  if (a.couple != b.couple) ev.push_back("couple's names");
  for (std::size_t i = 0; i < na; ++i) {
    if (ma[i] >= 0) continue;
    v.soft = true;
    const Token& t = a.tokens[i];
    ev.push_back((t.optional ? "given name '" : "extra generic word '") + capitalised(t.raw) + "'");
  }
  for (std::size_t j = 0; j < nb; ++j) {
    if (mb[j] >= 0) continue;
    v.soft = true;
    const Token& t = b.tokens[j];
    ev.push_back((t.optional ? "given name '" : "extra generic word '") + capitalised(t.raw) + "'");
  }
  if (ev.empty()) ev.push_back("same words once normalised");
  // Each layer of normalisation costs a little, so that the plainest variant ranks first.
  v.score -= 0.01 * static_cast<double>(ev.size());
  if (v.soft) v.score = std::min(v.score, 0.89);
  v.score = std::clamp(v.score, 0.0, 1.0);
  return v;
}

}  // namespace

// --- the index --------------------------------------------------------------------------------

struct Index::Impl {
  KeyTable keys;       // token, fingerprint, concatenation, email, phone -> entry * 4 + form
  KeyTable deletions;  // a word and its one-letter deletions -> vocabulary index
  std::vector<std::uint64_t> vocabulary;  // token keys of the words that have deletions
  double forms = 0;

  double weight(const Token& t) const {
    const double df = static_cast<double>(keys.find(key(kToken, t.text)).size());
    const double idf = std::log((forms + 1) / (df + 1)) + 1;
    return t.generic ? 0.35 * idf : idf;
  }
  void weigh(Norm& n) const {
    for (Token& t : n.tokens) t.weight = weight(t);
  }
};

Index::Index(const std::vector<QbEntry>& entries) : impl_(std::make_unique<Impl>()) {
  Impl& ix = *impl_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> pairs, dels;
  pairs.reserve(entries.size() * 6);
  std::unordered_set<std::uint64_t> seen;
  Norm norm;
  std::string buf, variant;
  const auto add_word = [&](const std::string& word, std::uint64_t token_key) {
    if (!seen.insert(token_key).second || word.size() < 3 || is_numeric(word)) return;
    const auto id = static_cast<std::uint32_t>(ix.vocabulary.size());
    ix.vocabulary.push_back(token_key);
    dels.emplace_back(key(kDeletion, word), id);
    if (word.size() < 4) return;
    for (std::size_t k = 0; k < word.size(); ++k) {
      variant.assign(word).erase(k, 1);
      dels.emplace_back(key(kDeletion, variant), id);
    }
  };
  for (std::uint32_t i = 0; i < entries.size(); ++i) {
    const QbEntry& e = entries[i];
    if (is_job(e)) continue;  // a job is not a customer of its own
    for (std::uint32_t form = 0; form < 3; ++form) {
      const std::string_view text = entry_form(e, form, buf);
      if (text.empty()) continue;
      normalise(text, norm);
      if (norm.tokens.empty()) continue;
      ix.forms += 1;
      const std::uint32_t posting = i * 4 + form;
      for (const Token& t : norm.tokens) {
        const std::uint64_t k = key(kToken, t.text);
        pairs.emplace_back(k, posting);
        add_word(t.text, k);
      }
      pairs.emplace_back(key(kPrint, fingerprint(norm)), posting);
      pairs.emplace_back(key(kConcat, concatenated(norm)), posting);
    }
    const std::uint32_t contact = i * 4 + kContactForm;
    if (const std::string k = email_key(e.email); !k.empty()) {
      pairs.emplace_back(key(kEmail, k), contact);
    }
    for (const std::string* phone : {&e.phone, &e.alt_phone}) {
      if (const std::string k = phone_key(*phone); !k.empty()) {
        pairs.emplace_back(key(kPhone, k), contact);
      }
    }
  }
  ix.keys.build(pairs);
  ix.deletions.build(dels);
}

Index::~Index() = default;
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;

std::vector<Candidate> Index::find(const std::vector<QbEntry>& entries, const Account& account,
                                   std::string_view name, std::size_t limit) const {
  const Impl& ix = *impl_;
  // The account's names: the one decide() matches, the app name, company, first and last.
  thread_local std::array<Norm, 4> forms;
  thread_local std::array<std::string, 4> form_why;
  std::size_t n_forms = 0;
  std::string person = account.first_name;
  if (!person.empty() && !account.last_name.empty()) person += ' ';
  person += account.last_name;
  const std::pair<std::string_view, const char*> texts[] = {
      {name, ""},
      {account.name, "the app's name"},
      {account.company_name, "the app's company name"},
      {person, "the app's first and last name"}};
  for (std::size_t f = 0; f < 4; ++f) {
    const std::string_view text = texts[f].first;
    if (text.empty() || (f > 0 && text == name)) continue;
    normalise(text, forms[n_forms]);
    if (forms[n_forms].tokens.empty()) continue;
    ix.weigh(forms[n_forms]);
    form_why[n_forms] = texts[f].second;
    ++n_forms;
  }

  thread_local std::vector<std::uint32_t> hits;
  hits.clear();
  const auto add = [&](std::span<const std::uint32_t> postings, std::size_t cap) {
    if (postings.size() > cap) return;  // a pathological block: no use
    for (const std::uint32_t p : postings) hits.push_back(p >> 2);
  };
  std::string variant;
  for (std::size_t f = 0; f < n_forms; ++f) {
    const Norm& n = forms[f];
    add(ix.keys.find(key(kPrint, fingerprint(n))), kMaxNameBlock);
    add(ix.keys.find(key(kConcat, concatenated(n))), kMaxNameBlock);
    // Every near name holds every distinctive word of the account (or a typo of it): the rarest
    // one, with its one-edit neighbours, is the block.
    const Token* probe = nullptr;
    for (const bool any : {false, true}) {
      for (const Token& t : n.tokens) {
        if (t.optional || (!any && t.generic)) continue;
        if (probe == nullptr || t.weight > probe->weight) probe = &t;
      }
      if (probe != nullptr) break;
    }
    if (probe == nullptr) continue;
    const std::uint64_t probe_key = key(kToken, probe->text);
    add(ix.keys.find(probe_key), kMaxNameBlock);
    const std::string& word = probe->text;
    if (word.size() < 3 || is_numeric(word)) continue;
    for (std::size_t k = 0; k <= word.size(); ++k) {
      if (k == word.size()) {
        variant = word;
      } else if (word.size() >= 4) {
        variant.assign(word).erase(k, 1);
      } else {
        continue;
      }
      for (const std::uint32_t id : ix.deletions.find(key(kDeletion, variant))) {
        const std::uint64_t token_key = ix.vocabulary[id];
        if (token_key != probe_key) add(ix.keys.find(token_key), kMaxNameBlock);
      }
    }
  }
  const std::string email = email_key(account.email);
  const std::string phone = phone_key(account.phone);
  if (!email.empty()) add(ix.keys.find(key(kEmail, email)), kMaxContactBlock);
  if (!phone.empty()) add(ix.keys.find(key(kPhone, phone)), kMaxContactBlock);
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());

  std::vector<std::pair<std::uint32_t, Candidate>> found;
  thread_local Norm other;
  std::string buf;
  const std::string postal = [&] {
    std::string p;
    for (const char c : account.postal_code) {
      if (std::isalnum(static_cast<unsigned char>(c))) p += static_cast<char>(std::toupper(c));
    }
    return p;
  }();
  for (const std::uint32_t i : hits) {
    const QbEntry& e = entries[i];
    if (is_job(e)) continue;
    Verdict best;
    for (std::uint32_t ef = 0; ef < 3; ++ef) {
      const std::string_view text = entry_form(e, ef, buf);
      if (text.empty()) continue;
      normalise(text, other);
      ix.weigh(other);
      for (std::size_t f = 0; f < n_forms; ++f) {
        Verdict v = compare(forms[f], other);
        if (!v.near || v.score <= best.score) continue;
        if (ef == 1) v.evidence.insert(v.evidence.begin(), "QuickBooks CompanyName");
        if (ef == 2) v.evidence.insert(v.evidence.begin(), "QuickBooks FirstName/LastName");
        if (!form_why[f].empty()) v.evidence.insert(v.evidence.begin(), form_why[f]);
        best = std::move(v);
      }
    }
    // Contact evidence.
    const std::string e_email = email_key(e.email);
    const bool same_email = !email.empty() && email == e_email;
    const bool other_email = !email.empty() && !e_email.empty() && !same_email;
    const std::string e_phone = phone_key(e.phone), e_alt = phone_key(e.alt_phone);
    const bool same_phone = !phone.empty() && (phone == e_phone || phone == e_alt);
    const bool other_phone = !phone.empty() && !e_phone.empty() && !same_phone;
    bool same_address = false;
    if (!postal.empty() && !account.addr1.empty() && !e.addr1.empty()) {
      std::string p;
      for (const char c : e.postal_code) {
        if (std::isalnum(static_cast<unsigned char>(c))) p += static_cast<char>(std::toupper(c));
      }
      if (p == postal) {
        Norm x, y;
        normalise(account.addr1, x);
        normalise(e.addr1, y);
        same_address = concatenated(x) == concatenated(y) && !x.tokens.empty();
      }
    }
    std::vector<std::string> contact;
    if (same_email) contact.push_back("same email");
    if (same_phone) contact.push_back("same phone");
    if (same_address) contact.push_back("same address (first line and postal code)");

    double score = 0;
    std::vector<std::string> evidence;
    if (best.near) {
      score = best.score;
      if (same_email) score += (1 - score) * 0.6;
      if (same_phone) score += (1 - score) * 0.5;
      if (same_address) score += (1 - score) * 0.3;
      if (other_email) score -= 0.05;
      if (other_phone) score -= 0.05;
      if (best.soft) score = std::min(score, 0.89);
      evidence = std::move(contact);
      evidence.insert(evidence.end(), best.evidence.begin(), best.evidence.end());
    } else if (same_email || same_phone) {
      // The same person or business under another name ("Tom Reyes" / "Reyes Pool Services").
      score = 0.7 + (same_email ? 0.05 : 0) + (same_phone ? 0.05 : 0) + (same_address ? 0.03 : 0);
      evidence = std::move(contact);
      normalise(entry_form(e, 0, buf), other);
      for (const Token& t : other.tokens) {
        const bool shared =
            std::any_of(forms.begin(), forms.begin() + static_cast<std::ptrdiff_t>(n_forms),
                        [&](const Norm& n) {
                          return std::any_of(n.tokens.begin(), n.tokens.end(),
                                             [&](const Token& u) { return u.text == t.text; });
                        });
        if (shared && !t.generic) {
          evidence.push_back("shares '" + capitalised(t.raw) + "'");
          score += 0.05;
          break;
        }
      }
      evidence.push_back("names differ");
    } else {
      continue;
    }
    Candidate c;
    c.list = e.list;
    c.list_id = e.list_id;
    c.full_name = e.full_name;
    c.is_active = e.is_active;
    c.score = std::clamp(score, 0.0, 1.0);
    c.evidence = std::move(evidence);
    found.emplace_back(i, std::move(c));
  }
  std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) {
    return x.second.score != y.second.score ? x.second.score > y.second.score : x.first < y.first;
  });
  if (found.size() > limit) found.resize(limit);
  std::vector<Candidate> out;
  out.reserve(found.size());
  for (auto& [i, c] : found) out.push_back(std::move(c));
  return out;
}

}  // namespace qblink::reconcile::match
