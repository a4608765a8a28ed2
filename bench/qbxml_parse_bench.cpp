// parse_response on a 500-customer CustomerQueryRs page (~300 KB), the largest response a paged
// sync reads. Full CustomerRet records as QuickBooks sends them without IncludeRetElement, with
// jobs, accents as character references and an escaped ampersand.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "qbxml/qbxml.h"

namespace {

std::string customer_page(int count) {
  std::string xml =
      "<?xml version=\"1.0\" ?>\n<QBXML>\n<QBXMLMsgsRs>\n<CustomerQueryRs requestID=\"page-1\" "
      "statusCode=\"0\" statusSeverity=\"Info\" statusMessage=\"Status OK\" "
      "iteratorRemainingCount=\"1500\" iteratorID=\"{84ff5521-205d-46b6-9d44-7b6b9acb7165}\">\n";
  char buf[4096];
  for (int i = 0; i < count; ++i) {
    const bool job = i % 5 == 4;  // every fifth record is a job under the previous customer
    const unsigned id = 0x80000000u + static_cast<unsigned>(i);
    char parent_id[16];
    std::snprintf(parent_id, sizeof parent_id, "%X", id - 1);
    std::string name =
        job ? "Remodel " + std::to_string(i) : "Soci&#233;t&#233; " + std::to_string(i);
    std::string full = job ? "Soci&#233;t&#233; " + std::to_string(i - 1) + ":" + name : name;
    std::string parent = job ? "<ParentRef>\n<ListID>" + std::string(parent_id) +
                                   "-1215265593</ListID>\n<FullName>Soci&#233;t&#233; " +
                                   std::to_string(i - 1) + "</FullName>\n</ParentRef>\n"
                             : "";
    std::snprintf(buf, sizeof buf,
                  "<CustomerRet>\n<ListID>%X-1215265593</ListID>\n"
                  "<TimeCreated>2008-07-05T09:46:33-05:00</TimeCreated>\n"
                  "<TimeModified>2024-02-11T14:03:%02d-05:00</TimeModified>\n"
                  "<EditSequence>17076%05d</EditSequence>\n<Name>%s</Name>\n"
                  "<FullName>%s</FullName>\n<IsActive>%s</IsActive>\n%s<Sublevel>%d</Sublevel>\n"
                  "<CompanyName>Fran&#231;ois &amp; Fils %d</CompanyName>\n"
                  "<FirstName>Fran&#231;ois</FirstName>\n<LastName>Dupont</LastName>\n"
                  "<BillAddress>\n<Addr1>%d Rue de la Paix</Addr1>\n<City>Montr&#233;al</City>\n"
                  "<State>QC</State>\n<PostalCode>H2X 1Y4</PostalCode>\n</BillAddress>\n"
                  "<Phone>514-555-%04d</Phone>\n<Email>compta%d@example.ca</Email>\n"
                  "<Balance>%d.00</Balance>\n"
                  "<JobStatus>None</JobStatus>\n</CustomerRet>\n",
                  id, i % 60, i, name.c_str(), full.c_str(), i % 7 == 0 ? "false" : "true",
                  parent.c_str(), job ? 1 : 0, i, i, i % 10000, i, i * 3);
    xml += buf;
  }
  xml += "</CustomerQueryRs>\n</QBXMLMsgsRs>\n</QBXML>\n";
  return xml;
}

void BM_ParseCustomerPage(benchmark::State& state) {
  const std::string xml = customer_page(static_cast<int>(state.range(0)));
  std::size_t records = 0;
  for (auto _ : state) {
    const auto parsed = qblink::qbxml::parse_response(xml);
    if (!parsed.ok || parsed.items.size() != 1) {
      state.SkipWithError(parsed.error.c_str());
      break;
    }
    records = parsed.items[0].records.size();
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * xml.size()));
  state.counters["KB"] = static_cast<double>(xml.size()) / 1024.0;
  state.counters["records"] = static_cast<double>(records);
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseCustomerPage)->Arg(500)->Arg(100)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
