// Writes the labelled matching corpus (tests/reconcile/data/match_corpus.tsv) to stdout.
// Deterministic: a fixed seed and our own generator, so the same program always writes the same
// file. The name lists below are written for this corpus (common names and words, no data set).
//
//   make_corpus > tests/reconcile/data/match_corpus.tsv
//
// One line per pair, tab-separated:
//   label  variant  account_name  account_phone  account_email
//          qb_list  qb_name  qb_first  qb_last  qb_phone  qb_email
// label: same (the account is the QuickBooks entry, written another way), lookalike (a
// different customer that shares words with the entry), unrelated (a new customer, no entry),
// noise (an unrelated QuickBooks entry, no account). The first line is a header.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace {

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
};

// Given names and surnames from several countries: US/UK/Canada, Ireland, Poland, Italy, Spain,
// India, Vietnam, Germany. The accented spelling, where there is one, follows a '|'.
const std::vector<std::string> kFirst = {"James",         "Mary",        "Robert",
                                         "Patricia",      "Michael",     "Jennifer",
                                         "William",       "Linda",       "David",
                                         "Elizabeth",     "Richard",     "Barbara",
                                         "Joseph",        "Susan",       "Thomas",
                                         "Jessica",       "Charles",     "Sarah",
                                         "Christopher",   "Karen",       "Daniel",
                                         "Nancy",         "Matthew",     "Lisa",
                                         "Anthony",       "Betty",       "Mark",
                                         "Margaret",      "Steven",      "Sandra",
                                         "Andrew",        "Ashley",      "Kenneth",
                                         "Emily",         "Joshua",      "Donna",
                                         "Kevin",         "Michelle",    "Brian",
                                         "Carol",         "George",      "Amanda",
                                         "Edward",        "Melissa",     "Ronald",
                                         "Deborah",       "Timothy",     "Stephanie",
                                         "Jason",         "Rebecca",     "Ann",
                                         "Tom",           "Oliver",      "Harry",
                                         "Amelia",        "Isla",        "Jack",
                                         "Grace",         "Liam",        "Chloe",
                                         "Noah",          "Ethan",       "Logan",
                                         "Sean",          "Siobhan",     "Ciaran",
                                         "Aoife",         "Niamh",       "Declan",
                                         "Padraig",       "Eoin",        "Roisin",
                                         "Lukasz|Łukasz", "Katarzyna",   "Piotr",
                                         "Agnieszka",     "Krzysztof",   "Malgorzata|Małgorzata",
                                         "Tomasz",        "Magdalena",   "Pawel|Paweł",
                                         "Joanna",        "Marco",       "Giulia",
                                         "Alessandro",    "Chiara",      "Lorenzo",
                                         "Francesca",     "Matteo",      "Federica",
                                         "Giovanni",      "Elena",       "Jose|José",
                                         "Maria|María",   "Javier",      "Lucia|Lucía",
                                         "Alejandro",     "Carmen",      "Sergio",
                                         "Pilar",         "Raul|Raúl",   "Ines|Inés",
                                         "Rahul",         "Priya",       "Arjun",
                                         "Ananya",        "Vikram",      "Deepika",
                                         "Sanjay",        "Kavita",      "Rohan",
                                         "Meera",         "Minh",        "Linh",
                                         "Tuan|Tuấn",     "Huong|Hương", "Duc|Đức",
                                         "Thao|Thảo",     "Quang",       "Mai",
                                         "Hieu|Hiếu",     "Trang",       "Jurgen|Jürgen",
                                         "Katrin",        "Stefan",      "Sabine",
                                         "Wolfgang",      "Monika",      "Dieter",
                                         "Ursula",        "Yusuf",       "Fatima"};
const std::vector<std::string> kLast = {"Smith",
                                        "Johnson",
                                        "Williams",
                                        "Brown",
                                        "Jones",
                                        "Garcia",
                                        "Miller",
                                        "Davis",
                                        "Rodriguez",
                                        "Martinez",
                                        "Hernandez",
                                        "Lopez",
                                        "Gonzalez",
                                        "Wilson",
                                        "Anderson",
                                        "Thomas",
                                        "Taylor",
                                        "Moore",
                                        "Jackson",
                                        "Martin",
                                        "Lee",
                                        "Thompson",
                                        "White",
                                        "Harris",
                                        "Clark",
                                        "Lewis",
                                        "Robinson",
                                        "Walker",
                                        "Young",
                                        "Allen",
                                        "King",
                                        "Wright",
                                        "Scott",
                                        "Green",
                                        "Baker",
                                        "Adams",
                                        "Nelson",
                                        "Hill",
                                        "Campbell",
                                        "Mitchell",
                                        "Roberts",
                                        "Carter",
                                        "Phillips",
                                        "Evans",
                                        "Turner",
                                        "Parker",
                                        "Collins",
                                        "Edwards",
                                        "Stewart",
                                        "Morris",
                                        "Patterson",
                                        "Grainger",
                                        "Whitfield",
                                        "Hargreaves",
                                        "Ashworth",
                                        "Pemberton",
                                        "Fitzgerald",
                                        "Kavanagh",
                                        "Gallagher",
                                        "Brennan",
                                        "Doherty",
                                        "Flanagan",
                                        "Donnelly",
                                        "Monaghan",
                                        "Kowalski",
                                        "Nowak",
                                        "Wisniewski|Wiśniewski",
                                        "Wojcik|Wójcik",
                                        "Kaminski|Kamiński",
                                        "Lewandowski",
                                        "Zielinski|Zieliński",
                                        "Szymanski",
                                        "Wozniak|Woźniak",
                                        "Dabrowski|Dąbrowski",
                                        "Rossi",
                                        "Russo",
                                        "Ferrari",
                                        "Esposito",
                                        "Bianchi",
                                        "Romano",
                                        "Colombo",
                                        "Ricci",
                                        "Marino",
                                        "Greco",
                                        "Bruno",
                                        "Gallo",
                                        "Conti",
                                        "Mancini",
                                        "Fernandez|Fernández",
                                        "Sanchez|Sánchez",
                                        "Ramirez|Ramírez",
                                        "Torres",
                                        "Navarro",
                                        "Dominguez",
                                        "Morales",
                                        "Ortega",
                                        "Delgado",
                                        "Castillo",
                                        "Patel",
                                        "Sharma",
                                        "Singh",
                                        "Kumar",
                                        "Gupta",
                                        "Reddy",
                                        "Iyer",
                                        "Nair",
                                        "Mehta",
                                        "Chatterjee",
                                        "Nguyen|Nguyễn",
                                        "Tran|Trần",
                                        "Le|Lê",
                                        "Pham|Phạm",
                                        "Hoang|Hoàng",
                                        "Vo|Võ",
                                        "Dang|Đặng",
                                        "Bui|Bùi",
                                        "Do|Đỗ",
                                        "Ngo|Ngô",
                                        "Schmidt",
                                        "Schneider",
                                        "Fischer",
                                        "Weber",
                                        "Becker",
                                        "Hoffmann",
                                        "Schulz",
                                        "Koch",
                                        "Reyes",
                                        "Morrison",
                                        "Sullivan",
                                        "Henderson",
                                        "Fletcher",
                                        "Dawson",
                                        "Chambers",
                                        "Lawson",
                                        "Holloway",
                                        "Whitaker",
                                        "Sinclair",
                                        "Blackwood",
                                        "Thornton",
                                        "Hastings",
                                        "Kingsley"};
// Mc/Mac/O' surnames: the written form, with the space or apostrophe.
const std::vector<std::string> kMcLast = {"McDonald", "McCarthy",   "McKenzie", "McLaughlin",
                                          "McGrath",  "McAllister", "O'Brien",  "O'Connor",
                                          "O'Neill",  "O'Sullivan", "O'Reilly", "O'Donnell"};
const std::vector<std::string> kTrade = {"Plumbing",
                                         "Roofing",
                                         "Electric",
                                         "Heating & Cooling",
                                         "HVAC",
                                         "Landscaping",
                                         "Construction",
                                         "Builders",
                                         "Painting",
                                         "Cleaning Services",
                                         "Flooring",
                                         "Fencing",
                                         "Paving",
                                         "Masonry",
                                         "Carpentry",
                                         "Pest Control",
                                         "Pool Services",
                                         "Tree Service",
                                         "Auto Repair",
                                         "Dental",
                                         "Bakery",
                                         "Hardware",
                                         "Lumber",
                                         "Glass",
                                         "Septic Services",
                                         "Irrigation",
                                         "Welding",
                                         "Moving",
                                         "Appliance Repair",
                                         "Chimney Services",
                                         "Garage Doors",
                                         "Industrial Supply",
                                         "Property Management",
                                         "Insurance",
                                         "Accounting",
                                         "Veterinary Clinic",
                                         "Pharmacy",
                                         "Cafe"};
const std::vector<std::string> kTown = {
    "Lakeside",  "Riverside",   "Brookfield", "Oakville",    "Maple Grove", "Cedar Falls",
    "Fairview",  "Springfield", "Greenwood",  "Hillcrest",   "Westbrook",   "Ashford",
    "Kilkenny",  "Galway",      "Wexford",    "Dunmore",     "Kingston",    "Halifax",
    "Moncton",   "Kelowna",     "Nanaimo",    "Barrie",      "Guelph",      "Waterloo",
    "Bristol",   "Norwich",     "Exeter",     "Harrogate",   "Stamford",    "Bedford",
    "Salem",     "Dover",       "Medford",    "Ashland",     "Clayton",     "Milford",
    "Newport",   "Preston",     "Woodstock",  "Pinecrest",   "Bayview",     "Northgate",
    "Southport", "Eastwood",    "Highland",   "Stonebridge", "Redwood",     "Silverton",
    "Glenwood",  "Rockport"};
const std::vector<std::string> kWord = {
    "Summit",   "Evergreen", "Pioneer",  "Granite",  "Harbor",   "Bright",   "Keystone", "Liberty",
    "Sterling", "Heritage",  "Premier",  "Golden",   "Diamond",  "Eagle",    "Falcon",   "Phoenix",
    "Horizon",  "Apex",      "Pinnacle", "Vanguard", "Beacon",   "Crown",    "Atlas",    "Titan",
    "Cascade",  "Meridian",  "Compass",  "Anchor",   "Ironwood", "Bluebird", "Copper",   "Willow",
    "Aspen",    "Juniper",   "Sapphire", "Emerald",  "Monarch",  "Frontier", "Legacy",   "Paragon"};
const std::vector<std::string> kStreet = {"Baker",  "Elm",  "Oak",  "Main", "King",   "Queen",
                                          "Church", "Mill", "High", "Park", "Market", "Bridge"};
const std::vector<std::pair<std::string, std::string>> kStreetKind = {
    {"Street", "St"}, {"Road", "Rd"}, {"Avenue", "Ave"}};
const std::vector<std::string> kLegal = {"Ltd",         "Limited",      "LLC", "L.L.C.",  "Inc",
                                         "Inc.",        "Incorporated", "Co",  "Company", "Corp",
                                         "Corporation", "PLC",          "LLP", "Pty Ltd", "GmbH"};
const std::vector<std::pair<std::string, std::string>> kOrdinals = {
    {"1st", "First"}, {"2nd", "Second"}, {"3rd", "Third"}, {"5th", "Fifth"}, {"7th", "Seventh"}};
const std::vector<std::pair<std::string, std::string>> kAbbrev = {
    {"Brothers", "Bros"},      {"Services", "Svcs"},
    {"Management", "Mgmt"},    {"Associates", "Assoc"},
    {"International", "Intl"}, {"Center", "Ctr"},
    {"Street", "St"},          {"Road", "Rd"},
    {"Avenue", "Ave"},         {"Mount", "Mt"},
    {"Department", "Dept"}};
// Different surnames that are spelled nearly alike (many one edit apart).
const std::vector<std::pair<std::string, std::string>> kNearSurnames = {
    {"Hansen", "Hanson"},      {"Meyer", "Meier"},      {"Clark", "Clarke"},
    {"Reid", "Reed"},          {"Thomson", "Thompson"}, {"Stevens", "Stephens"},
    {"Peterson", "Patterson"}, {"Nielsen", "Nilsen"},   {"Carlson", "Carlsen"},
    {"Philips", "Phillips"},   {"Mathews", "Matthews"}, {"Brown", "Browne"},
    {"Schmidt", "Schmitt"},    {"Jensen", "Jenson"},    {"Anderson", "Andersen"}};
const std::vector<std::string> kTitles = {"Mr", "Mrs", "Ms", "Dr", "Mr.", "Mrs.", "Ms.", "Dr."};
const std::vector<std::string> kGeneric = {"Services",    "Supply",      "Group",     "Solutions",
                                           "Enterprises", "Contractors", "Industrial"};

std::string ascii(const std::string& s) { return s.substr(0, s.find('|')); }
std::string accented(const std::string& s) {
  const std::size_t bar = s.find('|');
  return bar == std::string::npos ? s : s.substr(bar + 1);
}

struct Entity {
  std::string name, first, last;  // QuickBooks Name; FirstName/LastName when a person
  std::string lead, trade;        // business: the distinctive words and the trade
  std::string given, surname;     // person (ASCII)
  std::string kind;               // "business", "person", "fields"
  std::string accented_surname, accented_given;
};

struct Pair {
  std::string label, variant, account, a_phone, a_email;
  std::string list = "customer";
  Entity qb;
  std::string q_phone, q_email;
};

std::string replace_word(const std::string& s, const std::string& from, const std::string& to) {
  const std::size_t at = s.find(from);
  if (at == std::string::npos) return s;
  return s.substr(0, at) + to + s.substr(at + from.size());
}

class Corpus {
 public:
  Rng rng{20261127};
  std::set<std::string> identities;  // lowercased (lead|trade) or (given|surname)
  int phone_seq = 0;

  std::string phone() {
    ++phone_seq;
    const int n = 2000000 + phone_seq * 7919 % 7000000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "(%03d) %03d-%04d", 200 + phone_seq % 700, n / 10000 % 1000,
                  n % 10000);
    return buf;
  }
  std::string email(const std::string& who) {
    std::string local;
    for (const char c : who) {
      if (std::isalnum(static_cast<unsigned char>(c))) local += static_cast<char>(std::tolower(c));
    }
    return local + std::to_string(phone_seq) + (rng.chance(50) ? "@gmail.com" : "@example.com");
  }

  static std::string key(std::string a, std::string b) {
    std::string k = a + "|" + b;
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    return k;
  }
  bool claim(const std::string& a, const std::string& b) {
    return identities.insert(key(a, b)).second;
  }

  // A fresh business or person, its identity claimed.
  Entity business(const std::string& lead_kind = "") {
    for (;;) {
      Entity e;
      e.kind = "business";
      const std::size_t k = lead_kind.empty() ? rng.below(5) : std::stoul(lead_kind);
      std::string lead;
      if (k == 0 || k == 1) {
        const std::string& s = rng.pick(kLast);
        lead = ascii(s);
        e.surname = lead;
        e.accented_surname = accented(s);
      } else if (k == 2) {
        lead = rng.pick(kTown);
      } else {
        lead = rng.pick(kWord);
      }
      e.trade = rng.pick(kTrade);
      e.lead = lead;
      if (!claim(lead, e.trade)) continue;
      e.name = lead + " " + e.trade;
      if (rng.chance(40)) e.name += " " + rng.pick(kLegal);
      return e;
    }
  }
  Entity person() {
    for (;;) {
      Entity e;
      e.kind = "person";
      const std::string& g = rng.pick(kFirst);
      const std::string& s = rng.pick(kLast);
      e.given = ascii(g);
      e.surname = ascii(s);
      e.accented_given = accented(g);
      e.accented_surname = accented(s);
      if (!claim(e.given, e.surname)) continue;
      e.name = rng.chance(60) ? e.surname + ", " + e.given : e.given + " " + e.surname;
      return e;
    }
  }

  std::vector<Pair> pairs;

  void same(const std::string& variant, const std::string& account, const Entity& qb,
            bool share_contact = false) {
    Pair p;
    p.label = "same";
    p.variant = variant;
    p.account = account;
    p.qb = qb;
    p.q_phone = phone();
    p.q_email = email(qb.name);
    if (share_contact || rng.chance(15)) {
      p.a_phone = p.q_phone;
      p.a_email = p.q_email;
    } else if (rng.chance(50)) {
      p.a_phone = phone();
    }
    if (rng.chance(10)) p.list = "vendor";
    if (p.account != qb.name) pairs.push_back(std::move(p));
  }

  std::string typo(const std::string& word) {
    std::string w = word;
    const std::size_t at = 1 + rng.below(w.size() - 2);
    switch (rng.below(4)) {
      case 0:
        w.erase(at, 1);
        break;
      case 1:
        w.insert(at, 1, w[at]);
        break;
      case 2:
        w[at] = w[at] == 'e' ? 'a' : 'e';
        break;
      default:
        std::swap(w[at], w[at + 1 < w.size() ? at + 1 : at - 1]);
        break;
    }
    return w;
  }

  std::string with_legal(const Entity& e) {
    std::string base = e.lead + " " + e.trade;
    std::string legal = rng.pick(kLegal);
    if (e.name == base + " " + legal) legal = "Ltd";
    if (e.name == base + " Ltd") return base;
    return e.name != base && rng.chance(50) ? base : base + " " + legal;
  }

  void make_same(int count) {
    for (int n = 0; n < count; ++n) {
      const int kind = n % 20;
      switch (kind) {
        case 0: {  // legal suffix added, dropped or changed
          const Entity e = business();
          same("legal suffix", with_legal(e), e);
          break;
        }
        case 1: {  // a leading "The"
          const Entity e = business();
          same("leading the", e.name.starts_with("The ") ? e.name.substr(4) : "The " + e.name, e);
          break;
        }
        case 2: {  // business abbreviations
          for (;;) {
            const auto& [longer, shorter] = rng.pick(kAbbrev);
            const std::string& lead = rng.pick(kLast);
            const std::string trade = rng.pick(kTrade);
            Entity e;
            e.kind = "business";
            e.lead = ascii(lead) + " " + longer;
            e.trade = trade;
            if (longer == "Street" || longer == "Road" || longer == "Avenue") {
              e.lead = rng.pick(kStreet) + " " + longer;
            } else if (longer == "Mount") {
              e.lead = "Mount " + rng.pick(kTown);
            }
            if (!claim(e.lead, trade)) continue;
            claim(ascii(lead), trade);  // "Kowalski Roofing" would be the same business
            e.name = e.lead + " " + trade;
            const bool qb_short = rng.chance(50);
            const std::string a = replace_word(e.name, longer, shorter);
            if (qb_short) {
              Entity q = e;
              q.name = a;
              same("abbreviation", e.name, q);
            } else {
              same("abbreviation", a, e);
            }
            break;
          }
          break;
        }
        case 3: {  // ordinals
          for (;;) {
            const auto& [num, word] = rng.pick(kOrdinals);
            const std::string& w = rng.pick(kWord);
            Entity e;
            e.kind = "business";
            e.lead = word + " " + w;
            e.trade = rng.pick(kTrade);
            if (!claim(e.lead, e.trade)) continue;
            e.name = e.lead + " " + e.trade;
            same("ordinal", num + " " + w + " " + e.trade, e);
            break;
          }
          break;
        }
        case 4: {  // possessives
          for (;;) {
            const std::string g = ascii(rng.pick(kFirst));
            Entity e;
            e.kind = "business";
            e.lead = g + "'s";
            e.trade = rng.pick(kTrade);
            if (!claim(g, e.trade)) continue;
            e.name = e.lead + " " + e.trade;
            same("possessive", (rng.chance(50) ? g + "s " : g + " ") + e.trade, e);
            break;
          }
          break;
        }
        case 5: {  // Mc/Mac/O' spacing
          for (;;) {
            const std::string s = rng.pick(kMcLast);
            Entity e;
            e.kind = "business";
            e.lead = s;
            e.trade = rng.pick(kTrade);
            if (!claim(s, e.trade)) continue;
            e.name = s + " " + e.trade;
            std::string a = s;
            if (s.starts_with("Mc")) {
              a = "Mc " + s.substr(2);
            } else {
              a = (rng.chance(50) ? "O " : "O") + s.substr(2);
            }
            same("mc spacing", a + " " + e.trade, e);
            break;
          }
          break;
        }
        case 6: {  // initials
          for (;;) {
            const char x = static_cast<char>('A' + rng.below(26));
            const char y = static_cast<char>('A' + rng.below(26));
            Entity e;
            e.kind = "business";
            e.lead = std::string(1, x) + "&" + y;
            e.trade = rng.pick(kTrade);
            if (!claim(e.lead, e.trade)) continue;
            e.name = e.lead + " " + e.trade;
            const std::vector<std::string> forms = {std::string(1, x) + y,
                                                    std::string(1, x) + " and " + y,
                                                    std::string(1, x) + "." + y + "."};
            same("initials", rng.pick(forms) + " " + e.trade, e);
            break;
          }
          break;
        }
        case 7: {  // person name order
          const Entity e = person();
          same("person order",
               e.name.find(',') != std::string::npos ? e.given + " " + e.surname
                                                     : e.surname + ", " + e.given,
               e);
          break;
        }
        case 8: {  // titles
          const Entity e = person();
          same("title", rng.pick(kTitles) + " " + e.given + " " + e.surname, e);
          break;
        }
        case 9: {  // couples
          const Entity e = person();
          std::string spouse = ascii(rng.pick(kFirst));
          if (spouse == e.given) spouse = "Maria";
          same("couple", e.given + " & " + spouse + " " + e.surname, e);
          break;
        }
        case 10: {  // QuickBooks' FirstName/LastName fields
          Entity e = person();
          e.kind = "fields";
          e.first = e.given;
          e.last = e.surname;
          e.name = e.surname + " - " + rng.pick(kStreet) + " " + rng.pick(kStreetKind).first;
          same("qb name fields", e.given + " " + e.surname, e);
          break;
        }
        case 11:
        case 12: {  // a typo in the distinctive word
          Entity e = rng.chance(50) ? business("0") : person();
          const std::string& word = e.kind == "person" ? e.surname : e.lead;
          if (word.size() < 5 || word.find(' ') != std::string::npos) {
            --n;
            continue;
          }
          const std::string a = replace_word(e.name, word, typo(word));
          if (rng.chance(30)) {  // the typo is QuickBooks'
            Entity q = e;
            q.name = a;
            same("typo", e.name, q);
          } else {
            same("typo", a, e);
          }
          break;
        }
        case 13: {  // an extra or missing generic word
          const Entity e = business(rng.chance(50) ? "0" : "3");
          if (rng.chance(50)) {
            same("generic word", e.lead, e);
          } else {
            same("generic word", e.lead + " " + e.trade + " " + rng.pick(kGeneric), e);
          }
          break;
        }
        case 14: {  // contact only: the owner's name, the business's phone and email
          Entity e = business("0");
          std::string g = ascii(rng.pick(kFirst));
          if (!claim(g, e.lead)) {  // the owner is no other customer of the file
            --n;
            continue;
          }
          same("contact only", g + " " + e.lead, e, true);
          break;
        }
        case 15: {  // case, spacing, punctuation, & (the fold rules)
          const Entity e = business();
          std::string a = e.name;
          switch (rng.below(3)) {
            case 0:
              std::transform(a.begin(), a.end(), a.begin(),
                             [](unsigned char c) { return std::toupper(c); });
              break;
            case 1:
              a = replace_word(a, " ", "  ");
              break;
            default:
              a = a.find('&') != std::string::npos ? replace_word(a, "&", "and") : a + ".";
          }
          same("fold", a, e);
          break;
        }
        case 16: {  // accents the app keeps and QuickBooks cannot hold
          Entity e = rng.chance(50) ? person() : business("0");
          if (e.accented_surname == e.surname && e.accented_given == e.given) {
            --n;
            continue;
          }
          std::string a = e.name;
          if (!e.surname.empty()) a = replace_word(a, e.surname, e.accented_surname);
          if (!e.given.empty()) a = replace_word(a, e.given, e.accented_given);
          same("accents", a, e);
          break;
        }
        case 17: {  // hyphenated double surnames
          for (;;) {
            const std::string x = ascii(rng.pick(kLast)), y = ascii(rng.pick(kLast));
            Entity e;
            e.kind = "business";
            e.lead = x + "-" + y;
            e.trade = rng.pick(kTrade);
            if (x == y || !claim(e.lead, e.trade)) continue;
            e.name = e.lead + " " + e.trade;
            same("hyphen", x + " " + y + " " + e.trade, e);
            break;
          }
          break;
        }
        default: {  // two at once: legal suffix and a typo, or "The" and an abbreviation
          Entity e = business("0");
          if (e.lead.size() < 5) {
            --n;
            continue;
          }
          const std::string a = replace_word(with_legal(e), e.lead, typo(e.lead));
          same("combined", a, e);
          break;
        }
      }
    }
  }

  void lookalike(const std::string& variant, const std::string& account, const Entity& qb) {
    Pair p;
    p.label = "lookalike";
    p.variant = variant;
    p.account = account;
    p.qb = qb;
    p.q_phone = phone();
    p.q_email = email(qb.name);
    if (rng.chance(50)) p.a_phone = phone();
    pairs.push_back(std::move(p));
  }

  void make_lookalikes(int count) {
    for (int n = 0; n < count; ++n) {
      switch (n % 10 == 9 ? 4 : n % 4) {
        case 4: {  // another family whose name is spelled nearly the same: the hard case
          const auto& [x, y] = rng.pick(kNearSurnames);
          Entity e;
          e.kind = "business";
          e.lead = x;
          e.trade = rng.pick(kTrade);
          if (!claim(x, e.trade) || !claim(y, e.trade)) {
            --n;
            continue;
          }
          e.name = x + " " + e.trade;
          lookalike("near-spelled surname", y + " " + e.trade, e);
          break;
        }
        case 0: {  // same surname, another trade
          const Entity e = business("0");
          std::string trade = rng.pick(kTrade);
          if (!claim(e.lead, trade)) {
            --n;
            continue;
          }
          lookalike("same surname other trade", e.lead + " " + trade, e);
          break;
        }
        case 1: {  // same trade, another surname
          const Entity e = business("0");
          const std::string other = ascii(rng.pick(kLast));
          if (!claim(other, e.trade)) {
            --n;
            continue;
          }
          lookalike("same trade other surname", other + " " + e.trade, e);
          break;
        }
        case 2: {  // same surname, another first name
          const Entity e = person();
          const std::string other = ascii(rng.pick(kFirst));
          if (!claim(other, e.surname)) {
            --n;
            continue;
          }
          lookalike("other first name",
                    rng.chance(50) ? e.surname + ", " + other : other + " " + e.surname, e);
          break;
        }
        default: {  // another town, same kind of business
          const Entity e = business("2");
          const std::string other = rng.pick(kTown);
          if (!claim(other, e.trade)) {
            --n;
            continue;
          }
          lookalike("other town", other + " " + e.trade, e);
          break;
        }
      }
    }
  }

  void make_unrelated(int count) {
    for (int n = 0; n < count; ++n) {
      const Entity e = rng.chance(50) ? business() : person();
      Pair p;
      p.label = "unrelated";
      p.variant = e.kind;
      p.account = e.name;
      if (rng.chance(50)) p.a_phone = phone();
      if (rng.chance(30)) p.a_email = email(e.name);
      p.list = "";
      pairs.push_back(std::move(p));
    }
  }

  void make_noise(int count) {
    for (int n = 0; n < count; ++n) {
      Pair p;
      p.label = "noise";
      p.variant = "noise";
      p.qb = rng.chance(60) ? business() : person();
      p.q_phone = phone();
      p.q_email = email(p.qb.name);
      if (rng.chance(10)) p.list = "vendor";
      pairs.push_back(std::move(p));
    }
  }
};

}  // namespace

int main() {
  Corpus c;
  c.make_same(1600);
  c.make_lookalikes(600);
  c.make_unrelated(600);
  c.make_noise(3000);
  std::printf(
      "label\tvariant\taccount_name\taccount_phone\taccount_email\tqb_list\tqb_name\tqb_first\t"
      "qb_last\tqb_phone\tqb_email\n");
  for (const Pair& p : c.pairs) {
    const bool has_qb = !p.qb.name.empty();
    std::printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.label.c_str(), p.variant.c_str(),
                p.account.c_str(), p.a_phone.c_str(), p.a_email.c_str(),
                has_qb ? p.list.c_str() : "", p.qb.name.c_str(), p.qb.first.c_str(),
                p.qb.last.c_str(), has_qb ? p.q_phone.c_str() : "",
                has_qb ? p.q_email.c_str() : "");
  }
}
