#include "sim/qb_time.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

namespace qblink::sim {

namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr long long kOffsetSeconds = kCompanyUtcOffsetMinutes * 60LL;

// Reads 1..max_digits decimal digits at text[pos]; advances pos.
std::optional<int> read_number(std::string_view text, std::size_t& pos, std::size_t max_digits) {
  int value = 0;
  std::size_t digits = 0;
  while (pos < text.size() && digits < max_digits && text[pos] >= '0' && text[pos] <= '9') {
    value = value * 10 + (text[pos] - '0');
    ++pos, ++digits;
  }
  if (digits == 0) return std::nullopt;
  return value;
}

bool consume(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::string format_qb_datetime(long long unix_seconds) {
  const long long local = unix_seconds + kOffsetSeconds;
  const auto day = sys_days{days{0}} + days{local / 86400 - (local % 86400 < 0 ? 1 : 0)};
  long long second_of_day = local % 86400;
  if (second_of_day < 0) second_of_day += 86400;
  const std::chrono::year_month_day ymd{day};
  const int offset = kCompanyUtcOffsetMinutes;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", int(ymd.year()),
                     unsigned(ymd.month()), unsigned(ymd.day()), second_of_day / 3600,
                     second_of_day / 60 % 60, second_of_day % 60, offset < 0 ? '-' : '+',
                     std::abs(offset) / 60, std::abs(offset) % 60);
}

std::optional<long long> parse_qb_datetime(std::string_view text, bool end_of_period) {
  std::size_t pos = 0;
  const auto year = read_number(text, pos, 4);
  if (!year || pos != 4 || !consume(text, pos, '-')) return std::nullopt;
  const auto month = read_number(text, pos, 2);
  if (!month || !consume(text, pos, '-')) return std::nullopt;
  const auto day = read_number(text, pos, 2);
  if (!day) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{*year},
                                        std::chrono::month{static_cast<unsigned>(*month)},
                                        std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return std::nullopt;

  // hh, mm, ss: each optional only if the ones after it are absent too.
  std::optional<int> parts[3];
  if (consume(text, pos, 'T')) {
    for (int i = 0; i < 3; ++i) {
      if (i > 0 && !consume(text, pos, ':')) break;
      parts[i] = read_number(text, pos, 2);
      if (!parts[i]) return std::nullopt;
    }
  }
  long long offset = kOffsetSeconds;
  if (parts[2] && pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos++] == '-';
    const auto oh = read_number(text, pos, 2);
    if (!oh || !consume(text, pos, ':')) return std::nullopt;
    const auto om = read_number(text, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset = (negative ? -1 : 1) * (*oh * 3600LL + *om * 60LL);
  }
  if (pos != text.size()) return std::nullopt;
  const int hour = parts[0].value_or(end_of_period ? 23 : 0);
  const int minute = parts[1].value_or(end_of_period ? 59 : 0);
  const int second = parts[2].value_or(end_of_period ? 59 : 0);
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const long long day_number = sys_days{ymd}.time_since_epoch().count();
  return day_number * 86400 + hour * 3600LL + minute * 60LL + second - offset;
}

}  // namespace qblink::sim
