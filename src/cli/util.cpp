#include "cli/util.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/commands.h"

namespace qblink::cli {

std::string read_password_stdin() {
  std::string line;
  if (!std::getline(std::cin, line) || line.empty())
    throw Error("--password-stdin: no password on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::unique_ptr<store::Store> open_store(const std::string& path) {
  try {
    return store::open(path);
  } catch (const std::exception& e) {
    throw Error(std::string("database ") + store::redact(path) + ": " + e.what());
  }
}

store::Tenant require_tenant(store::Tx& tx, const std::string& user) {
  auto t = tx.tenant_by_name(user);
  if (!t) throw Error("no such user '" + user + "' (see: qblink user list)");
  return *t;
}

std::string format_time(std::int64_t t) {
  if (t == 0) return "";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto escape = [&](unsigned char c) {
    static const char* hex = "0123456789abcdef";
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      escape(c);
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    const std::size_t n = (c & 0xE0) == 0xC0   ? 2
                          : (c & 0xF0) == 0xE0 ? 3
                          : (c & 0xF8) == 0xF0 ? 4
                                               : 0;
    bool ok = n != 0 && i + n <= text.size();
    for (std::size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    // C1 controls (U+0080..U+009F) are two bytes, 0xC2 0x80..0x9F.
    if (ok && n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) ok = false;
    if (!ok) {
      escape(c);
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

reconcile::AccountKind parse_kind(const std::string& kind) {
  if (kind == "customer") return reconcile::AccountKind::Customer;
  if (kind == "supplier") return reconcile::AccountKind::Supplier;
  throw Error("KIND must be 'customer' or 'supplier', not '" + terminal_safe(kind) + "'");
}

std::string cell(const std::string& raw, std::size_t width) {
  const std::string text = terminal_safe(raw);
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (chars == width) break;
      ++chars;
    }
    out += text[i];
  }
  if (chars < width) out.append(width - chars, ' ');
  return out;
}

std::string fit(const std::string& raw, std::size_t width) {
  const std::string text = terminal_safe(raw);
  std::size_t chars = 0;
  for (const char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (chars <= width) return text + std::string(width - chars, ' ');
  if (width == 0) return "";
  std::string out;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && n++ == width - 1) break;
    out += text[i];
  }
  return out + "\u2026";
}

bool stdin_is_terminal() { return isatty(STDIN_FILENO) == 1; }
bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

void explain_subcommands(CLI::App* group, bool required, const std::string& also) {
  group->require_subcommand(0, 1);
  // Words that are neither a subcommand nor a subcommand's positional land here (hidden), so
  // that they are named before anything runs, instead of CLI11's "not expected".
  auto words = std::make_shared<std::vector<std::string>>();
  auto* stray = group->add_option("STRAY", *words)->group("");
  group->parse_complete_callback([group, stray, words, required, also] {
    std::string names;
    for (const auto* sub : group->get_subcommands([](CLI::App*) { return true; }))
      if (!sub->get_name().empty()) names += (names.empty() ? "" : ", ") + sub->get_name();
    if (!also.empty()) names += "; or " + also;
    const auto rest = stray->results();
    const std::string where = "qblink " + group->get_name();
    if (!rest.empty() && group->get_subcommands().empty())
      throw Error(where + ": unknown subcommand '" + terminal_safe(rest[0]) +
                  "' (the subcommands: " + names + ")");
    if (!rest.empty()) {
      std::string list;
      for (const auto& r : rest) list += (list.empty() ? "'" : ", '") + terminal_safe(r) + "'";
      throw Error(where + " " + group->get_subcommands()[0]->get_name() +
                  ": unexpected argument(s) " + list + " (see --help)");
    }
    if (required && group->get_subcommands().empty())
      throw Error(where + ": a subcommand is required (" + names + ")");
  });
}

std::int64_t parse_since(const std::string& text, std::int64_t now) {
  if (!text.empty() && (text.back() == 'm' || text.back() == 'h' || text.back() == 'd') &&
      text.find_first_not_of("0123456789") == text.size() - 1 && text.size() > 1) {
    const std::int64_t n = std::stoll(text.substr(0, text.size() - 1));
    const std::int64_t unit = text.back() == 'm' ? 60 : text.back() == 'h' ? 3600 : 86400;
    return now - n * unit;
  }
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char sep = 0, z = 0;
  const int got =
      std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%c", &y, &mo, &d, &sep, &h, &mi, &s, &z);
  const bool ok =
      (got == 3 && text.size() == 10) ||
      ((got == 6 || got == 7 || got == 8) && (sep == ' ' || sep == 'T') && (got < 8 || z == 'Z'));
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    throw Error(
        "--since takes a date (2026-11-25), a UTC time (2026-11-25 18:00) or an age "
        "(90m, 12h, 7d), not '" +
        terminal_safe(text) + "'");
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace qblink::cli
