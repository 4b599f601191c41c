CREATE TABLE t522 (id bigint PRIMARY KEY, name text NOT NULL);
