// Settings (issue 12), through the real program: the settings file, then the environment, then
// the command line; read-only commands never create a database and say which one they looked
// for; every "no such user" names --db; `user list` says which tenants are stale.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_fixture.h"
#include "store/store.h"
#include "support/test_support.h"

namespace qblink::test {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Settings : public Cli {
 protected:
  // Runs `ENV qblink ARGS` in the temporary folder with a clean settings environment: no
  // QBLINK_* variable but those in `env`, and QBLINK_CONFIG=/dev/null unless `env` names one
  // (so that an /etc/qblink/qblink.conf on this machine plays no part).
  Result sh(const std::string& env, const std::string& args, const std::string& stdin_text = "") {
    write_file(dir / "stdin.txt", stdin_text);
    std::string clean = "env -u QBLINK_DB -u QBLINK_LISTEN -u QBLINK_KEEP_LOG_DAYS";
    if (!has(env, "QBLINK_CONFIG=")) clean += " QBLINK_CONFIG=/dev/null";
    const std::string cmd = "cd '" + dir.path().string() + "' && " + clean + " " + env + " " +
                            QBLINK_BINARY + " " + args + " < stdin.txt 2>&1";
    Result r;
    FILE* pipe = popen(cmd.c_str(), "r");
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, pipe)) r.out.append(buf, n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }
  std::string path(const std::string& name) { return (dir / name).string(); }
  bool exists(const std::string& name) { return std::filesystem::exists(dir / name); }
  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

TEST_F(Settings, FileThenEnvironmentThenFlagTheLaterWins) {
  write_file(dir / "qblink.conf", "# settings\n\ndb = " + path("file.db") + "\n");
  const std::string conf = "--config '" + path("qblink.conf") + "' ";
  auto r = sh("", conf + "user add a --password-stdin", "long-enough-pw\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(exists("file.db")) << "the file's db";

  r = sh("QBLINK_DB='" + path("env.db") + "'", conf + "user add b --password-stdin",
         "long-enough-pw\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(exists("env.db")) << "the environment beats the file";

  r = sh("QBLINK_DB='" + path("env.db") + "'",
         conf + "user add c --password-stdin --db '" + path("flag.db") + "'", "long-enough-pw\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(exists("flag.db")) << "the flag beats both";

  // The file is read through QBLINK_CONFIG too; each database holds only its own user.
  r = sh("QBLINK_CONFIG='" + path("qblink.conf") + "'", "user list --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto users = nlohmann::json::parse(r.out);
  ASSERT_EQ(users.size(), 1u) << r.out;
  EXPECT_EQ(users[0]["user"], "a");
}

TEST_F(Settings, ServeReadsTheSameFileAndEnvironment) {
  // A listen address serve refuses shows which source won, without serving anything.
  write_file(dir / "qblink.conf", "db = " + path("q.db") + "\nlisten = from-file\n");
  const std::string conf = "--config '" + path("qblink.conf") + "' ";
  auto r = sh("", conf + "serve");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "'from-file'")) << r.out;
  r = sh("QBLINK_LISTEN=from-env", conf + "serve");
  EXPECT_TRUE(has(r.out, "'from-env'")) << r.out;
  r = sh("QBLINK_LISTEN=from-env", conf + "serve --listen from-flag");
  EXPECT_TRUE(has(r.out, "'from-flag'")) << r.out;
  EXPECT_FALSE(exists("q.db")) << "refused before the database was opened";

  // A flag setting: the file's value is read, and the environment's wins over it.
  write_file(dir / "http.conf",
             "db = " + path("q.db") + "\nlisten = 0.0.0.0:0\nallow-http = perhaps\n");
  r = sh("", "--config '" + path("http.conf") + "' serve");
  EXPECT_TRUE(has(r.out, path("http.conf") + " line 3: allow-http = 'perhaps'")) << r.out;
  r = sh("QBLINK_ALLOW_HTTP=false", "--config '" + path("http.conf") + "' serve");
  EXPECT_TRUE(has(r.out, "refusing plain HTTP on 0.0.0.0")) << r.out;

  // A bad value names where it came from.
  write_file(dir / "bad.conf", "db = " + path("q.db") + "\n\nkeep-log-days = -3\n");
  r = sh("", "--config '" + path("bad.conf") + "' serve");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, path("bad.conf") + " line 3")) << r.out;
  r = sh("QBLINK_KEEP_LOG_DAYS=x", "prune");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "QBLINK_KEEP_LOG_DAYS")) << r.out;
}

TEST_F(Settings, AMissingExplicitFileAndABadFileAreErrors) {
  auto r = sh("", "--config '" + path("nope.conf") + "' user list");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.out, "--config " + path("nope.conf") + ": no such settings file")) << r.out;
  r = sh("QBLINK_CONFIG='" + path("nope.conf") + "'", "user add a --password-stdin",
         "long-enough-pw\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.out, "QBLINK_CONFIG " + path("nope.conf"))) << r.out;
  EXPECT_FALSE(exists("qblink.db")) << "nothing ran";

  write_file(dir / "typo.conf", "db = x.db\nlisen = 0.0.0.0:8443\n");
  r = sh("", "--config '" + path("typo.conf") + "' user list");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.out, path("typo.conf") + " line 2: unknown key 'lisen'")) << r.out;
  EXPECT_TRUE(has(r.out, "listen")) << "lists the keys: " << r.out;

  write_file(dir / "twice.conf", "db = x.db\n[serve]\n");
  r = sh("", "--config '" + path("twice.conf") + "' user list");
  EXPECT_TRUE(has(r.out, path("twice.conf") + " line 2: sections are not used")) << r.out;
  write_file(dir / "twice.conf", "db = x.db\ndb = y.db\n");
  r = sh("", "--config '" + path("twice.conf") + "' user list");
  EXPECT_TRUE(has(r.out, "line 2: db is already set on line 1")) << r.out;

  // The old systemd EnvironmentFile form still names its database; its serve options do not.
  write_file(dir / "old.conf", "QBLINK_DB=" + path("old.db") + "\n");
  r = sh("", "--config '" + path("old.conf") + "' user add a --password-stdin", "long-enough-pw\n");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(exists("old.db"));
  write_file(dir / "old.conf", "QBLINK_SERVE_OPTIONS=--listen 127.0.0.1:8080\n");
  r = sh("", "--config '" + path("old.conf") + "' serve");
  EXPECT_TRUE(has(r.out, "line 1: QBLINK_SERVE_OPTIONS is the old systemd form")) << r.out;
}

TEST_F(Settings, ReadOnlyCommandsCreateNoDatabaseAndNameTheOneTheyLookedFor) {
  for (const char* cmd :
       {"user list", "user show-company acme", "review acme", "adds acme", "log acme",
        "customers list acme", "suppliers list acme", "quickbooks list acme", "token list --admin",
        "qwc acme --url https://sync.example.com/qbwc", "backup b.db", "prune",
        "customers import acme c.csv", "review accept acme customer C1", "user remove acme --yes",
        "token create acme --name t"}) {
    SCOPED_TRACE(cmd);
    write_file(dir / "c.csv", "account_id,name\nC1,Acme\n");
    // The default (no file, no variable, no flag): ./qblink.db in the working folder.
    auto r = sh("", cmd);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(has(r.out, "no database at --db './qblink.db' (the default)")) << r.out;
    EXPECT_FALSE(exists("qblink.db"));
    // From the flag, the variable and the file.
    r = sh("", std::string("--db '") + path("flag.db") + "' " + cmd);
    EXPECT_TRUE(has(r.out, "--db '" + path("flag.db") + "' (set by --db)")) << r.out;
    r = sh("QBLINK_DB='" + path("env.db") + "'", cmd);
    EXPECT_TRUE(has(r.out, "--db '" + path("env.db") + "' (set by QBLINK_DB)")) << r.out;
    write_file(dir / "q.conf", "# the service's\ndb = " + path("conf.db") + "\n");
    r = sh("", "--config '" + path("q.conf") + "' " + cmd);
    EXPECT_TRUE(has(r.out, "--db '" + path("conf.db") + "' (set in " + path("q.conf") + " line 2)"))
        << r.out;
    for (const char* db : {"flag.db", "env.db", "conf.db"}) EXPECT_FALSE(exists(db)) << db;
  }
  // Writers that may start a database do.
  EXPECT_EQ(sh("", "token create --admin --name root").exit_code, 0);
  EXPECT_TRUE(exists("qblink.db"));
}

TEST_F(Settings, EveryNoSuchUserNamesTheDatabase) {
  add_user("acme");
  put("c.csv", "account_id,name\nC1,Acme\n");
  put("d.csv", "kind,account_id,decision\ncustomer,C1,accept\n");
  for (const char* cmd : {"user remove ghost --yes",
                          "user passwd ghost --password-stdin",
                          "user set ghost --auto-add-limit 3",
                          "user show-company ghost",
                          "user reset-company ghost",
                          "customers import ghost c.csv",
                          "customers link ghost C1 'Acme'",
                          "customers list ghost",
                          "suppliers list ghost",
                          "review ghost",
                          "review accept ghost customer C1",
                          "review reject ghost customer C1",
                          "review apply ghost d.csv",
                          "adds ghost",
                          "adds approve ghost --all",
                          "adds reject ghost --all",
                          "log ghost",
                          "quickbooks list ghost",
                          "qwc ghost --url https://sync.example.com/qbwc",
                          "token create ghost --name t",
                          "token list ghost",
                          "token revoke ghost t"}) {
    SCOPED_TRACE(cmd);
    const auto r = sh("", std::string("--db '") + db + "' " + cmd, "long-enough-pw\n");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(has(r.out, "'ghost'")) << r.out;
    EXPECT_TRUE(has(r.out, "--db '" + db + "' (set by --db)")) << r.out;
  }
}

TEST_F(Settings, UserListShowsLastRunLastSuccessAndStaleness) {
  for (const char* u : {"fresh", "polling", "stopped", "failing", "never-ok-old", "never-ok-new"})
    add_user(u);
  const auto t = now();
  {
    store::SqliteStore s(db);
    auto tx = s.begin(true);
    auto run = [&](const char* user, std::int64_t at, const char* outcome) {
      store::RunRow r;
      r.tenant_id = tx->tenant_by_name(user)->id;
      r.id = tx->start_run(r.tenant_id, at);
      r.started_at = at;
      r.ended_at = at + 5;
      r.outcome = outcome;
      tx->finish_run(r);
    };
    run("polling", t - 7200, "failed");
    run("polling", t - 600, "ok");  // within twice the hour
    run("stopped", t - 3 * 3600, "ok");
    run("failing", t - 5 * 3600, "nothing to do");
    run("failing", t - 1800, "failed");  // polls, but no success for 5 hours
    run("never-ok-old", t - 4 * 3600, "failed");
    run("never-ok-old", t - 300, "failed");
    run("never-ok-new", t - 300, "failed");
    tx->commit();
  }
  auto r = sh("", "--db '" + db + "' user list --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::map<std::string, nlohmann::json> by_user;
  for (const auto& u : nlohmann::json::parse(r.out)) by_user[u["user"]] = u;
  EXPECT_EQ(by_user["fresh"]["polling"], "never");
  EXPECT_EQ(by_user["fresh"]["stale"], false);
  EXPECT_TRUE(by_user["fresh"]["last_run"].is_null());
  EXPECT_EQ(by_user["polling"]["polling"], "ok");
  EXPECT_EQ(by_user["polling"]["stale"], false);
  EXPECT_EQ(by_user["polling"]["last_success"]["started_at"], t - 600);
  EXPECT_EQ(by_user["stopped"]["polling"], "stopped");
  EXPECT_EQ(by_user["stopped"]["stale"], true);
  EXPECT_EQ(by_user["failing"]["polling"], "ok");
  EXPECT_EQ(by_user["failing"]["stale"], true);
  EXPECT_EQ(by_user["failing"]["last_run"]["outcome"], "failed");
  EXPECT_EQ(by_user["failing"]["last_success"]["outcome"], "nothing to do");
  EXPECT_EQ(by_user["never-ok-old"]["stale"], true);
  EXPECT_TRUE(by_user["never-ok-old"]["last_success"].is_null());
  EXPECT_EQ(by_user["never-ok-new"]["stale"], false);

  // A longer schedule: 5 hours without success is within twice 180 minutes.
  r = sh("", "--db '" + db + "' user list --json --schedule-minutes 180");
  for (const auto& u : nlohmann::json::parse(r.out))
    if (u["user"] == "failing") {
      EXPECT_EQ(u["stale"], false);
    }

  r = sh("", "--db '" + db + "' user list");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "LAST RUN")) << r.out;
  EXPECT_TRUE(has(r.out, "LAST SUCCESS")) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_LE(line.size(), 100u) << line;  // ASCII here: bytes are columns
    if (line.rfind("failing ", 0) == 0 || line.rfind("stopped ", 0) == 0) {
      EXPECT_TRUE(has(line, "STALE")) << line;
    }
    if (line.rfind("polling ", 0) == 0) {
      EXPECT_TRUE(has(line, " ok ")) << line;
    }
    if (line.rfind("fresh ", 0) == 0) {
      EXPECT_TRUE(has(line, "never")) << line;
    }
  }
  EXPECT_TRUE(has(r.out, "no successful run for more than twice the 60-minute schedule")) << r.out;
}

}  // namespace
}  // namespace qblink::test
