#include "cli/util.h"

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
    return std::make_unique<store::Store>(path);
  } catch (const std::exception& e) {
    throw Error(std::string("database ") + path + ": " + e.what());
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

}  // namespace qblink::cli
