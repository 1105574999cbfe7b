// quickbooks-js (unchanged, from the npm registry) serving a Web Connector job on 127.0.0.1:
// its web service and WSDL, mounted with node-soap as its lib/server.js mounts them (which
// listens on every interface and on a fixed port: here, loopback and a free port). The job,
// a qbXMLHandler like its bin/qbXMLHandler example: page through customers with a QuickBooks
// iterator (2 per page), then add a customer. Every response is written to $EVENTS.
'use strict';
const fs = require('fs');
const http = require('http');
const soap = require('soap');
const webService = require('quickbooks-js/lib/web-service');

const EVENTS = process.env.EVENTS;
const header = '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n';
const query = (attrs) => header + '<QBXML><QBXMLMsgsRq onError="stopOnError">' +
    '<CustomerQueryRq requestID="q" ' + attrs + '><MaxReturned>2</MaxReturned>' +
    '</CustomerQueryRq></QBXMLMsgsRq></QBXML>';
const add = header + '<QBXML><QBXMLMsgsRq onError="stopOnError"><CustomerAddRq requestID="a">' +
    '<CustomerAdd><Name>Added By Node</Name></CustomerAdd></CustomerAddRq></QBXMLMsgsRq></QBXML>';

let served = false;
let requests = [];
function log(event) { fs.appendFileSync(EVENTS, JSON.stringify(event) + '\n'); }

webService.setQBXMLHandler({
  fetchRequests: function (callback) {
    // one job: the first poll gets it, later polls have nothing to do
    requests = served ? [] : [query('iterator="Start"'), add];
    served = true;
    return callback(null, requests);
  },
  handleResponse: function (response) {
    const names = [...response.matchAll(/<CustomerRet>[\s\S]*?<Name>([^<]*)<\/Name>/g)]
        .map((m) => m[1]);
    const status = (response.match(/statusCode="(\d+)"/) || [])[1];
    const remaining = (response.match(/iteratorRemainingCount="(\d+)"/) || [])[1];
    const id = (response.match(/iteratorID="([^"]+)"/) || [])[1];
    log({ kind: /CustomerAddRs/.test(response) ? 'add' : 'page', status, names });
    if (remaining && Number(remaining) > 0) {
      // the service holds this very array: a page with more behind it asks for the next
      requests.push(query('iterator="Continue" iteratorID="' + id + '"'));
    }
  },
  didReceiveError: function (error) { log({ kind: 'error', error: String(error) }); },
});

const wsdl = fs.readFileSync(require.resolve('quickbooks-js/lib/qbws.wsdl'), 'utf8');
const server = http.createServer((req, res) => res.end('404: Not Found: ' + req.url));
server.listen(0, '127.0.0.1', () => {
  soap.listen(server, '/wsdl', webService.service, wsdl);
  console.log('listening ' + server.address().port);
});
