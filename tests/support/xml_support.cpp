#include "support/xml_support.h"

#include <cstdio>
#include <pugixml.hpp>
#include <sstream>

#include "support/test_support.h"

namespace qblink::test {
namespace {

std::string local(const char* name) {
  std::string n(name);
  const auto colon = n.find(':');
  return colon == std::string::npos ? n : n.substr(colon + 1);
}

pugi::xml_node find_local(pugi::xml_node node, const std::string& name) {
  for (auto child : node.children()) {
    if (child.type() == pugi::node_element && local(child.name()) == name) return child;
    if (auto found = find_local(child, name)) return found;
  }
  return {};
}

}  // namespace

std::string soap_body_payload(const std::string& envelope) {
  pugi::xml_document doc;
  if (!doc.load_string(envelope.c_str())) return {};
  auto body = find_local(doc, "Body");
  pugi::xml_node payload;
  for (auto c : body.children())
    if (c.type() == pugi::node_element) {
      payload = c;
      break;
    }
  if (!payload) return {};
  pugi::xml_document out;
  auto copy = out.append_copy(payload);
  // Carry down every xmlns declaration of the ancestors that the payload does not redeclare.
  for (auto p = payload.parent(); p; p = p.parent())
    for (auto a : p.attributes()) {
      const std::string n = a.name();
      if ((n == "xmlns" || n.starts_with("xmlns:")) && !copy.attribute(a.name()))
        copy.append_attribute(a.name()) = a.value();
    }
  std::ostringstream s;
  out.save(s, "", pugi::format_raw);
  return s.str();
}

Validation validate_with_xsd(const std::string& xml, const std::filesystem::path& xsd) {
  TempDir dir;
  const auto file = dir / "doc.xml";
  write_file(file, xml);
  const std::string cmd =
      "xmllint --noout --nonet --schema '" + xsd.string() + "' '" + file.string() + "' 2>&1";
  Validation v;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return v;
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof buf, pipe)) v.output.append(buf, n);
  v.ok = pclose(pipe) == 0;
  return v;
}

std::string element_text(const std::string& xml, const std::string& local_name) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return {};
  return find_local(doc, local_name).text().get();
}

}  // namespace qblink::test
