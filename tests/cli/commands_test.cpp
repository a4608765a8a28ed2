// Commands that say what they do: the QuickBooks list exported (table, JSON, CSV, the file the app
// imports), review's argument order, unknown subcommands, the .qwc's path and AppName, user
// remove's confirmation, the log's filters and pages, terminal-safe tables of 100 columns.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/cli_fixture.h"
#include "support/xml_support.h"

namespace qblink::test {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

unsigned short free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

bool accepts(unsigned short port) {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Characters (not bytes) of a UTF-8 line.
std::size_t width(const std::string& line) {
  std::size_t n = 0;
  for (const char c : line) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// A tenant "acme" whose QuickBooks company (simulated) was read once by the real server.
class Synced : public Cli {
 protected:
  void SetUp() override {
    add_user("acme");
    put("c1.csv", "account_id,name\nC1,Acme Ltd\n");
    ASSERT_EQ(run("customers import acme '" + (dir / "c1.csv").string() + "'").exit_code, 0);
    put("company.json", R"({
      "customers": [
        {"name": "Acme Ltd", "phone": "555-0100"},
        {"name": "Caf\u00e9 M\u00fcller", "company_name": "Caf\u00e9 M\u00fcller GmbH",
         "email": "info@cafe.example", "phone": "555-0101",
         "address": {"addr1": "1 Main St", "postal_code": "10115"}},
        {"name": "Old \"Quoted\", Inc", "is_active": false}
      ],
      "vendors": [{"name": "Harbor Supply", "email": "ap@harbor.example"}]
    })");
    const auto port = free_port();
    server_ = fork();
    if (server_ == 0) {
      const std::string listen = "127.0.0.1:" + std::to_string(port);
      execl(QBLINK_BINARY, QBLINK_BINARY, "--db", db.c_str(), "serve", "--listen", listen.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!accepts(port) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto sim = run("simulate --url http://127.0.0.1:" + std::to_string(port) +
                             "/qbwc --user acme --password-stdin --company '" +
                             (dir / "company.json").string() + "'",
                         "long-enough-pw\n");
    ASSERT_EQ(sim.exit_code, 0) << sim.out;
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      int status = 0;
      waitpid(server_, &status, 0);
    }
  }
  pid_t server_ = -1;
};

TEST_F(Synced, QuickbooksListShowsTheSnapshotWithLinks) {
  const auto r = run("quickbooks list acme --json", "", false, true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 4u) << r.out;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& e : j) by_name[e["full_name"]] = e;
  EXPECT_EQ(by_name["Acme Ltd"]["account_id"], "C1") << "linked on the first run";
  EXPECT_TRUE(by_name["Caf\xC3\xA9 M\xC3\xBCller"]["account_id"].is_null());
  EXPECT_EQ(by_name["Caf\xC3\xA9 M\xC3\xBCller"]["email"], "info@cafe.example");
  EXPECT_EQ(by_name["Old \"Quoted\", Inc"]["is_active"], false);
  EXPECT_EQ(by_name["Harbor Supply"]["list"], "vendor");
  EXPECT_FALSE(by_name["Acme Ltd"]["list_id"].get<std::string>().empty());

  const auto vendors = nlohmann::json::parse(
      run("quickbooks list acme --kind supplier --json", "", false, true).out);
  ASSERT_EQ(vendors.size(), 1u);

  const auto table = run("quickbooks list acme");
  ASSERT_EQ(table.exit_code, 0) << table.out;
  EXPECT_TRUE(has(table.out, "FULL NAME")) << table.out;
  for (const auto& l : lines(table.out)) EXPECT_LE(width(l), 100u) << l;
}

TEST_F(Synced, UnlinkedCsvAndTheFileTheAppImports) {
  const auto csv = run("quickbooks list acme --kind customer --unlinked --csv", "", false, true);
  ASSERT_EQ(csv.exit_code, 0) << csv.out;
  EXPECT_TRUE(csv.out.starts_with("list,list_id,full_name,name,is_active,")) << csv.out;
  EXPECT_FALSE(has(csv.out, "Acme Ltd")) << "linked entries are left out";
  EXPECT_TRUE(has(csv.out, "\"Old \"\"Quoted\"\", Inc\"")) << "quoted as CSV: " << csv.out;

  const auto imp = run("quickbooks list acme --kind customer --for-import", "", false, true);
  ASSERT_EQ(imp.exit_code, 0) << imp.out;
  const auto rows = lines(imp.out);
  ASSERT_EQ(rows.size(), 2u) << "header and the one active unlinked customer:\n" << imp.out;
  EXPECT_TRUE(rows[0].starts_with("account_id,name,accounting_name,")) << rows[0];
  EXPECT_TRUE(rows[1].starts_with(",Caf\xC3\xA9 M\xC3\xBCller GmbH,Caf\xC3\xA9 M\xC3\xBCller,"))
      << rows[1];
  EXPECT_NE(run("quickbooks list acme --for-import").exit_code, 0) << "needs --kind";

  // The app fills account_id and the file comes back: accepted as it is, linked by name next run.
  std::string filled = imp.out;
  filled.insert(filled.find("\r\n") + 2, "C9");
  put("back.csv", filled);
  const auto back = run("customers import acme '" + (dir / "back.csv").string() + "'");
  ASSERT_EQ(back.exit_code, 0) << back.out;
  EXPECT_TRUE(has(back.out, "1 added")) << back.out;
  EXPECT_FALSE(has(back.out, "warning")) << "every column is ours: " << back.out;
}

TEST_F(Synced, LogFiltersAndPages) {
  const auto runs = run("log acme");
  ASSERT_EQ(runs.exit_code, 0) << runs.out;
  for (const auto& l : lines(runs.out)) EXPECT_LE(width(l), 100u) << l;
  const auto all = nlohmann::json::parse(run("log acme --run 1 --json").out);
  ASSERT_GE(all.size(), 3u);
  const auto linked = nlohmann::json::parse(run("log acme --account C1 --json").out);
  ASSERT_FALSE(linked.empty());
  for (const auto& e : linked) EXPECT_EQ(e["account_id"], "C1");
  for (const auto& e : nlohmann::json::parse(run("log acme --run 1 --level warn --json").out))
    EXPECT_NE(e["level"], "info");
  const auto kinds = nlohmann::json::parse(run("log acme --kind linked --json").out);
  for (const auto& e : kinds) EXPECT_EQ(e["kind"], "linked");
  // Pages of one event: the second is the second event; the text says where it is.
  const auto p2 = nlohmann::json::parse(run("log acme --run 1 --limit 1 --page 2 --json").out);
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_EQ(p2[0]["id"], all[1]["id"]);
  const auto text = run("log acme --run 1 --limit 1 --page 2");
  EXPECT_TRUE(has(text.out, "events 2-2 of " + std::to_string(all.size()))) << text.out;
  EXPECT_TRUE(has(text.out, "--page 3")) << text.out;
  const auto before = nlohmann::json::parse(run("log acme --run 1 --json --limit 1 --before " +
                                                std::to_string(all[2]["id"].get<std::int64_t>()))
                                                .out);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0]["id"], all[1]["id"]);
  EXPECT_TRUE(nlohmann::json::parse(run("log acme --since 2999-01-01 --json").out).empty());
  EXPECT_FALSE(nlohmann::json::parse(run("log acme --since 1d --json").out).empty());
  EXPECT_NE(run("log acme --since yesterday").exit_code, 0);
  EXPECT_NE(run("log acme --level loud").exit_code, 0);
}

TEST_F(Cli, ReviewInTheOrderPeopleTypeGetsAHint) {
  add_user("acme");
  auto r = run("review acme accept customer C102");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "did you mean: qblink review accept acme customer C102")) << r.out;
  EXPECT_FALSE(has(r.out, "required")) << r.out;
  r = run("review acme reject supplier S7");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "qblink review reject acme supplier S7")) << r.out;
}

TEST_F(Cli, UnknownSubcommandsAreNamedWithTheRealOnes) {
  add_user("acme");
  auto r = run("user frobnicate acme");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "unknown subcommand 'frobnicate'")) << r.out;
  EXPECT_TRUE(has(r.out, "add, list, remove")) << r.out;
  r = run("customers upload acme x.csv");
  EXPECT_TRUE(has(r.out, "unknown subcommand 'upload'")) << r.out;
  EXPECT_TRUE(has(r.out, "import, link, list")) << r.out;
  r = run("review acme approve customer C1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "unknown subcommand 'approve'")) << r.out;
  EXPECT_TRUE(has(r.out, "accept, reject, apply")) << r.out;
  r = run("quickbooks");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "a subcommand is required (list)")) << r.out;
  r = run("user list extra");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "unexpected argument(s) 'extra'")) << r.out;
}

TEST_F(Cli, QwcWarnsAboutThePathAndNamesTheCompany) {
  add_user("acme");
  const auto ok = run("qwc acme --url https://sync.example.com/qbwc", "", false, true);
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(element_text(ok.out, "AppName"), "qblink (acme)");
  EXPECT_FALSE(has(run("qwc acme --url https://sync.example.com/qbwc").out, "warning"));
  const auto odd = run("qwc acme --url https://sync.example.com/");
  EXPECT_EQ(odd.exit_code, 0) << odd.out;
  EXPECT_TRUE(has(odd.out, "warning")) << odd.out;
  EXPECT_TRUE(has(odd.out, "/qbwc")) << odd.out;
  const auto named = run("qwc acme --url https://sync.example.com/qbwc --app-name 'Acme sync'");
  EXPECT_EQ(element_text(named.out, "AppName"), "Acme sync");
}

TEST_F(Cli, UserRemoveSaysWhatItDeletesAndAsksFirst) {
  add_user("acme");
  put("c.csv", "account_id,name\nC1,Acme Ltd\nC2,Bolt Co\n");
  ASSERT_EQ(run("customers import acme '" + (dir / "c.csv").string() + "'").exit_code, 0);
  auto r = run("user remove acme");  // standard input is a file, not a terminal
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.out, "2 account(s), 0 run(s)")) << r.out;
  EXPECT_TRUE(has(r.out, "--yes")) << r.out;
  EXPECT_EQ(nlohmann::json::parse(run("user list --json").out).size(), 1u) << "still there";
  r = run("user remove acme --yes");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "2 account(s)")) << r.out;
  EXPECT_TRUE(nlohmann::json::parse(run("user list --json").out).empty());
}

TEST_F(Cli, TablesEscapeControlCharactersAndFit100Columns) {
  add_user("acme");
  // A name with an escape sequence cannot be imported; a long one can and is cut in the table.
  put("c.csv", "account_id,name\nC1," + std::string(150, 'W') + "\n");
  ASSERT_EQ(run("customers import acme '" + (dir / "c.csv").string() + "'").exit_code, 0);
  const auto list = run("customers list acme");
  for (const auto& l : lines(list.out)) EXPECT_LE(width(l), 100u) << l;
  EXPECT_TRUE(has(list.out, "\xE2\x80\xA6")) << "cut with an ellipsis: " << list.out;
  EXPECT_EQ(nlohmann::json::parse(run("customers list acme --json").out)[0]["name"],
            std::string(150, 'W'))
      << "--json has it whole";
  put("esc.csv", "account_id,name\nC2,Zed\x1b[2J Co\n");
  const auto esc = run("customers import acme '" + (dir / "esc.csv").string() + "'");
  EXPECT_NE(esc.exit_code, 0);
  EXPECT_TRUE(has(esc.out, "line 2 (C2): name has a control character (0x1b)")) << esc.out;
  EXPECT_FALSE(has(esc.out, "\x1b")) << "never echoed raw";
}

}  // namespace
}  // namespace qblink::test
