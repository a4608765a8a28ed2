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

std::string cell(const std::string& text, std::size_t width) {
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
