#include <gtest/gtest.h>

#include <stdexcept>

#include "http/client.h"

namespace qblink::http {
namespace {

std::string url_error(const std::string& url) {
  try {
    parse_url(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ParseUrlTest, SplitsAFullUrl) {
  const auto u = parse_url("http://localhost:8080/qbwc");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/qbwc");
}

TEST(ParseUrlTest, DefaultsThePortAndThePath) {
  const auto u = parse_url("https://qb.example.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/");
  EXPECT_EQ(parse_url("http://h").port, 80);
}

TEST(ParseUrlTest, KeepsTheQueryAndDropsTheFragment) {
  const auto u = parse_url("HTTPS://Example.com/a/b?c=d#frag");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "Example.com");
  EXPECT_EQ(u.target, "/a/b?c=d");
  EXPECT_EQ(parse_url("http://h?x=1").target, "/?x=1");
}

TEST(ParseUrlTest, AcceptsAnIpv6Literal) {
  const auto u = parse_url("http://[::1]:9000/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.target, "/x");
}

TEST(ParseUrlTest, ExplainsWhatIsWrong) {
  EXPECT_NE(url_error("localhost:8080").find("expected http://host[:port][/path]"),
            std::string::npos);
  EXPECT_NE(url_error("ftp://h/").find("the scheme must be http or https"), std::string::npos);
  EXPECT_NE(url_error("http://").find("the host is missing"), std::string::npos);
  EXPECT_NE(url_error("http://:80/").find("the host is missing"), std::string::npos);
  EXPECT_NE(url_error("http://h:/").find("the port is empty"), std::string::npos);
  for (const char* bad : {"http://h:0", "http://h:70000", "http://h:8o"}) {
    EXPECT_NE(url_error(bad).find("the port must be a number from 1 to 65535"), std::string::npos)
        << bad;
  }
  EXPECT_NE(url_error("http://u:p@h/").find("user names and passwords"), std::string::npos);
  EXPECT_NE(url_error("http://[::1/x").find("closing ']'"), std::string::npos);
  EXPECT_NE(url_error("http://h:8o").find("'http://h:8o'"), std::string::npos);  // names the URL
}

}  // namespace
}  // namespace qblink::http
