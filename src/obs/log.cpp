#include "obs/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

namespace qblink::obs {
namespace {

// The fields of the event being logged on this thread: spdlog formats synchronously on the
// calling thread, so the JSON formatter finds them here.
thread_local const std::initializer_list<Field>* t_fields = nullptr;

std::string json_string(std::string_view s) {
  // Invalid UTF-8 (a name from QuickBooks, an error text) becomes U+FFFD, never a broken line.
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto t = std::chrono::time_point_cast<std::chrono::milliseconds>(msg.time);
    const auto secs = std::chrono::system_clock::to_time_t(t);
    const auto ms = t.time_since_epoch().count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line = fmt::format("{{\"time\":\"{}.{:03}Z\",\"level\":\"{}\",\"msg\":{}", when, ms,
                                   std::string_view(level.data(), level.size()),
                                   json_string({msg.payload.data(), msg.payload.size()}));
    if (t_fields) {
      for (const auto& f : *t_fields) {
        line += ',';
        line += json_string(f.key);
        line += ':';
        line += f.number ? f.value : json_string(f.value);
      }
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// A file sink that can reopen its file by name (logrotate's default "create" mode moves the
// file away and expects the writer to start a new one on SIGHUP). Appends; mode 0640.
class ReopenableFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ReopenableFileSink(std::string path) : path_(std::move(path)) {
    file_ = open_file();
    if (!file_) throw std::runtime_error("cannot open the log file " + path_ + ": " + why_);
  }
  ~ReopenableFileSink() override {
    if (file_) std::fclose(file_);
  }
  ReopenableFileSink(const ReopenableFileSink&) = delete;
  ReopenableFileSink& operator=(const ReopenableFileSink&) = delete;

  // False (and the old file kept) when the file cannot be opened.
  bool reopen(std::string& why) {
    std::lock_guard lock(mutex_);
    std::FILE* fresh = open_file();
    if (!fresh) {
      why = why_;
      return false;
    }
    std::fclose(file_);
    file_ = fresh;
    return true;
  }
  const std::string& path() const { return path_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::fwrite(buf.data(), 1, buf.size(), file_);
    std::fflush(file_);  // a line is on disk when it is logged (tail -f, tests, a crash)
  }
  void flush_() override { std::fflush(file_); }

 private:
  std::FILE* open_file() {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      why_ = std::strerror(errno);
      return nullptr;
    }
    std::FILE* f = ::fdopen(fd, "a");
    if (!f) {
      why_ = std::strerror(errno);
      ::close(fd);
    }
    return f;
  }

  std::string path_, why_;
  std::FILE* file_ = nullptr;
};

std::mutex g_mu;  // guards the two below
LogFormat g_format = LogFormat::Text;
std::shared_ptr<ReopenableFileSink> g_file;

LogFormat current_format() {
  std::lock_guard lock(g_mu);
  return g_format;
}

bool plain(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return false;
  return true;
}

}  // namespace

Field::Field(std::string_view k, double v)
    : key(k), value(fmt::format("{:.3f}", v)), number(true) {}

std::optional<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::Text;
  if (text == "json") return LogFormat::Json;
  return std::nullopt;
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text) {
  if (text == "trace") return spdlog::level::trace;
  if (text == "debug") return spdlog::level::debug;
  if (text == "info") return spdlog::level::info;
  if (text == "warn" || text == "warning") return spdlog::level::warn;
  if (text == "error") return spdlog::level::err;
  return std::nullopt;
}

void setup_logging(const LogOptions& options) {
  std::shared_ptr<ReopenableFileSink> file;
  spdlog::sink_ptr sink;
  if (!options.file.empty()) {
    file = std::make_shared<ReopenableFileSink>(options.file);
    sink = file;
  } else {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  }
  auto logger = std::make_shared<spdlog::logger>("qblink", sink);
  if (options.format == LogFormat::Json)
    logger->set_formatter(std::make_unique<JsonFormatter>());
  else
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc));
  logger->set_level(options.level);
  logger->flush_on(spdlog::level::trace);
  {
    std::lock_guard lock(g_mu);
    g_format = options.format;
    g_file = file;
  }
  spdlog::set_default_logger(std::move(logger));
}

bool reopen_log_file() {
  std::shared_ptr<ReopenableFileSink> file;
  {
    std::lock_guard lock(g_mu);
    file = g_file;
  }
  if (!file) return true;
  std::string why;
  if (!file->reopen(why)) {
    spdlog::error("log: cannot reopen {}: {}; still writing to the old file", file->path(), why);
    return false;
  }
  spdlog::info("log: reopened {}", file->path());
  return true;
}

namespace {
thread_local std::string t_subject;
}

void set_request_subject(std::string_view who) { t_subject.assign(who); }

std::string take_request_subject() {
  std::string who = t_subject.empty() ? std::string("-") : std::move(t_subject);
  t_subject.clear();
  return who;
}

std::string text_safe(std::string_view value, std::size_t limit) {
  std::string out;
  for (unsigned char c : value) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '"')
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

void event(spdlog::level::level_enum level, std::string_view what,
           std::initializer_list<Field> fields) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  if (current_format() == LogFormat::Json) {
    t_fields = &fields;
    try {
      logger->log(level, spdlog::string_view_t(what.data(), what.size()));
    } catch (...) {
      t_fields = nullptr;
      throw;
    }
    t_fields = nullptr;
    return;
  }
  std::string line(what);
  for (const auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    if (f.number || plain(f.value)) {
      line += f.number ? f.value : text_safe(f.value);
    } else {
      line += '"';
      line += text_safe(f.value);
      line += '"';
    }
  }
  logger->log(level, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace qblink::obs
