-- wrk script of samples/load/run.sh: POST one valid patient (a row of the
-- generated big files, as mipimport sends it) to {url}/patients with Basic
-- auth, as fast as the connections allow. Every request carries the same
-- GUID, so mipmock updates the one card instead of piling up new ones
-- (WRK_NEW=1 below: a new card every request).
--
--   WRK_AUTH=$(printf 'u:p' | base64) wrk -t2 -c64 -d10s -s samples/load/post.lua http://127.0.0.1:PORT/patients

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. (os.getenv("WRK_AUTH") or "")
wrk.body = '{"guid":"4a57967a-5f96-5cb5-825c-50e5e0ef8410","family":"Петров","name":"Никита",' ..
  '"patronymic":"Александрович","birthday":"1995-03-02","polis":{"type":{"code":"3",' ..
  '"name":"Полис ОМС единого образца"},"number":"5000000000000025"},"mcod":"770001",' ..
  '"phone":"+79024878987","gender":1,"snils":"002-000-026 24",' ..
  '"regAddress":"г. Москва, ул. Мира, д. 41, кв. 83","isWorker":true,"bloodType":4,"rh":true,' ..
  '"attachment":{"mcod":"770001","district":{"code":"10"},"method":1,"date":"2023-10-25"}}'

-- No response() callback: it would make wrk parse every answer in Lua. That
-- every answer was 200 Uploaded is checked from wrk's "Non-2xx" line and
-- mipmock's /_mock/stats.

-- WRK_NEW=1: every request a new card (its own GUID and polis number), as
-- an import's rows are, instead of updates of the one card.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

if os.getenv("WRK_NEW") == "1" then
  local n = 0
  local template = '{"guid":"4a57967a-5f96-5cb5-%04x-%012x","family":"Петров","name":"Никита",' ..
    '"patronymic":"Александрович","birthday":"1995-03-02","polis":{"type":{"code":"3",' ..
    '"name":"Полис ОМС единого образца"},"number":"5%01d%014d"},"mcod":"770001",' ..
    '"phone":"+79024878987","gender":1,' ..
    '"regAddress":"г. Москва, ул. Мира, д. 41, кв. 83","isWorker":true,"bloodType":4,"rh":true,' ..
    '"attachment":{"mcod":"770001","district":{"code":"10"},"method":1,"date":"2023-10-25"}}'
  function request()
    n = n + 1
    return wrk.format(nil, nil, nil, string.format(template, 0x8000 + id, n, id % 10, n))
  end
end
