CREATE TABLE t394 (id bigint PRIMARY KEY, name text NOT NULL);
