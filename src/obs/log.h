#pragma once
// The server's log (issue 12): spdlog's default logger, written as text or as one JSON object
// per line, to standard output or to a file that SIGHUP reopens (logrotate). Structured events
// (a Web Connector session ended, an HTTP request answered, a refused login) carry key=value
// fields: in text after the message, in JSON as members of the line's object.
// No secret is ever a field: passwords, tickets, tokens, cookies and CSRF tokens stay out of
// every caller's list (tests/e2e/observability_test.cpp greps the output for them).
#include <spdlog/common.h>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace qblink::obs {

enum class LogFormat { Text, Json };

struct LogOptions {
  LogFormat format = LogFormat::Text;
  spdlog::level::level_enum level = spdlog::level::info;
  std::string file;  // "" = standard output
};

std::optional<LogFormat> parse_log_format(std::string_view text);  // text, json
// trace, debug, info, warn, error
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text);

// Replaces spdlog's default logger. Throws std::runtime_error when the file cannot be opened.
void setup_logging(const LogOptions& options);
// Reopens the log file by its name (after logrotate moved it away); false and an error line on
// the old file when it cannot be opened. Without a log file: nothing to do, true.
bool reopen_log_file();

// One field of a structured event. Strings are escaped (text) or JSON-encoded; numbers bare.
struct Field {
  std::string_view key;
  std::string value;
  bool number = false;

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  template <std::integral T>
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)), number(true) {}
  Field(std::string_view k, double v);
};

// Logs `what` with `fields` at `level`: "what k=v k2=\"v 2\"" as text, or
// {"time":...,"level":...,"msg":"what","k":"v",...} as JSON.
void event(spdlog::level::level_enum level, std::string_view what,
           std::initializer_list<Field> fields);

// Who the HTTP request being handled on this thread acts for (a tenant's name, "admin"): set by
// the API once it has authenticated the caller, read by the request's log line. Handlers run on
// one worker thread from start to end, so a thread-local value is the request's own.
void set_request_subject(std::string_view who);
// The subject set since the last call ("-" when none), and clears it.
std::string take_request_subject();

// A value from outside (a user name, a path) made safe for a text line: control characters,
// backslashes and double quotes escaped, at most `limit` bytes.
std::string text_safe(std::string_view value, std::size_t limit = 200);

}  // namespace qblink::obs
