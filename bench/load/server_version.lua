-- wrk script: POST a Web Connector serverVersion call (the smallest QBWC request) to /qbwc.
-- Usage: wrk -t2 -c16 -d10s -s bench/load/server_version.lua http://127.0.0.1:8080/qbwc
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["SOAPAction"] = '"http://developer.intuit.com/serverVersion"'
wrk.body = '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><serverVersion xmlns="http://developer.intuit.com/" /></soap:Body></soap:Envelope>'

local errors = 0
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, "serverVersionResult") then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200 or wrong answers: %d\n", errors))
end
