CREATE TABLE t477 (id bigint PRIMARY KEY, name text NOT NULL);
