// SQLite's quick check of a database file, in a process of its own: the bot runs it a minute after its start
// on idle CPU only (core/db.ts checkWholeFile, core/idle-process.ts), so reading a file of hundreds of
// megabytes takes only CPU that nothing else wants. Prints `{"rows": [...]}` or `{"error": {message, code}}`
// on stdout.
// Plain JavaScript, like core/start.mjs: it runs with nothing compiled.
import sqlite3 from 'sqlite3';

const file = process.argv[2];

function done(result) {
  process.stdout.write(JSON.stringify(result));
}

function failed(err) {
  done({ error: { message: err.message, code: err.code } });
}

if (!file) {
  failed(new Error('usage: node core/db-check.mjs <database file>'));
} else {
  const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
    if (err) return failed(err);
    db.all('PRAGMA quick_check', (err2, rows) => {
      if (err2) failed(err2);
      else done({ rows });
      db.close();
    });
  });
}
