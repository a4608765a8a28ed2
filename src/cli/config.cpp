#include "cli/config.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>

#include "cli/util.h"
#include "store/store.h"

namespace qblink::cli {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The key as compared: lower case, '_' as '-'; an environment name (QBLINK_TLS_CERT) is read as
// its key, so that a file in the old systemd EnvironmentFile form still names its database.
std::string normal_key(const std::string& raw) {
  std::string k;
  for (const char c : raw)
    k += c == '_' ? '-' : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (k.rfind("qblink-", 0) == 0) k = k.substr(7);
  return k;
}

// See config.h: the global options, serve's, and prune's --keep-log-days.
bool is_setting(const CLI::App& owner, const CLI::Option& opt) {
  const auto& names = opt.get_lnames();
  if (names.empty()) return false;  // positionals
  const auto& name = names.front();
  if (name == "help" || name == "help-all" || name == "version" || name == "config") return false;
  if (owner.get_parent() == nullptr || owner.get_name() == "serve") return true;
  return owner.get_name() == "prune" && name == "keep-log-days";
}

void each_app(CLI::App& app, const std::function<void(CLI::App&)>& f) {
  f(app);
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) each_app(*sub, f);
}

// The app and the subcommands chosen on this command line.
void each_chosen_app(CLI::App& app, const std::function<void(CLI::App&)>& f) {
  f(app);
  for (auto* sub : app.get_subcommands()) each_chosen_app(*sub, f);
}

std::string env_value(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

void set_value(CLI::Option& opt, const std::string& key, const std::string& value,
               const std::string& origin) {
  try {
    opt.add_result(value);
    opt.run_callback();
  } catch (const CLI::Error& e) {
    throw Error(origin + ": " + key + " = '" + terminal_safe(value) + "': " + e.what());
  }
}

}  // namespace

std::string Context::db_note() const {
  return "--db '" + terminal_safe(store::redact(db_path)) + "' (" + db_origin + ")";
}

std::string env_name(const std::string& key) {
  std::string e = "QBLINK_";
  for (const char c : key)
    e += c == '-' ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return e;
}

std::map<std::string, ConfigValue> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw Error("cannot read the settings file " + path + ": " + std::strerror(errno) +
                " (run as root or the qblink user, or name another file with --config FILE)");
  std::map<std::string, ConfigValue> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto text = trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    const std::string where = path + " line " + std::to_string(n);
    if (text[0] == '[')
      throw Error(where +
                  ": sections are not used; every key stands alone (db = PATH, listen = "
                  "HOST:PORT, ...)");
    const auto eq = text.find('=');
    if (eq == std::string::npos || trim(text.substr(0, eq)).empty())
      throw Error(where + ": want key = value, not '" + terminal_safe(text) + "'");
    const auto key = normal_key(trim(text.substr(0, eq)));
    auto value = trim(text.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (key == "serve-options")
      throw Error(where +
                  ": QBLINK_SERVE_OPTIONS is the old systemd form; write one key per option "
                  "(listen = 0.0.0.0:8443, tls-cert = PATH, tls-key = PATH)");
    if (auto [it, fresh] = out.emplace(key, ConfigValue{value, n}); !fresh)
      throw Error(where + ": " + key + " is already set on line " +
                  std::to_string(it->second.line));
  }
  return out;
}

void describe_settings(CLI::App& app) {
  each_app(app, [](CLI::App& a) {
    for (auto* opt : a.get_options()) {
      if (!is_setting(a, *opt)) continue;
      const auto& key = opt->get_lnames().front();
      opt->description(opt->get_description() + " [config " + key + ", env " + env_name(key) + "]");
    }
  });
}

void apply_settings(CLI::App& app, Context& ctx) {
  std::string path = kDefaultConfigFile, named_by;
  if (app.get_option("--config")->count() > 0)
    named_by = "--config";
  else if (const auto e = env_value("QBLINK_CONFIG"); !e.empty())
    named_by = "QBLINK_CONFIG", ctx.config_file = e;
  if (!named_by.empty()) path = ctx.config_file;

  std::map<std::string, ConfigValue> file;
  struct stat st {};
  if (!path.empty() && ::stat(path.c_str(), &st) == 0)
    file = read_config_file(path);
  else if (!path.empty() && !named_by.empty())
    throw Error(named_by + " " + path + ": no such settings file");

  std::set<std::string> keys;
  each_app(app, [&](CLI::App& a) {
    for (const auto* opt : a.get_options())
      if (is_setting(a, *opt)) keys.insert(opt->get_lnames().front());
  });
  for (const auto& [key, v] : file)
    if (!keys.count(key)) {
      std::string list;
      for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
      throw Error(path + " line " + std::to_string(v.line) + ": unknown key '" +
                  terminal_safe(key) + "' (the keys: " + list + ")");
    }

  each_chosen_app(app, [&](CLI::App& a) {
    for (auto* opt : a.get_options()) {
      if (!is_setting(a, *opt)) continue;
      const auto& key = opt->get_lnames().front();
      std::string origin = "set by --" + key;
      if (opt->count() == 0) {
        const auto env = env_name(key);
        if (const auto v = env_value(env); !v.empty()) {
          origin = "set by " + env;
          set_value(*opt, key, v, origin);
        } else if (const auto it = file.find(key); it != file.end() && !it->second.value.empty()) {
          origin = "set in " + path + " line " + std::to_string(it->second.line);
          set_value(*opt, key, it->second.value, origin);
        } else {
          origin = "the default";
        }
      }
      if (key == "db") ctx.db_origin = origin;
    }
  });
}

std::string settings_help() {
  // Names no option but the global ones: the completion scripts read options from --help.
  return std::string("Settings, each source overriding the one before:\n") +
         "  1. the settings file: " + kDefaultConfigFile +
         " if it exists, or instead the file named by\n"
         "     --config FILE or QBLINK_CONFIG (an error if missing); `key = value` lines, # "
         "comments,\n"
         "     the key being the long option without its dashes: db = /var/lib/qblink/qblink.db\n"
         "  2. the environment: QBLINK_ and the key in upper snake case (QBLINK_DB, "
         "QBLINK_TLS_CERT)\n"
         "  3. the command line (--db PATH, and each command's own options)\n"
         "  Settings are --db, every option of `serve` and prune's keep-log-days; each one's help\n"
         "  names its key and variable. Commands that only read never create the database.";
}

}  // namespace qblink::cli
