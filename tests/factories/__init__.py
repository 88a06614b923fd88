"""Test data and clients, one module per area: API clients (api), users and tokens
(users), tickets in the states tests need (tickets), report rows (reports) and the web
console's logged-in browsers (web). Tests take their fixtures from here instead of
defining their own."""
