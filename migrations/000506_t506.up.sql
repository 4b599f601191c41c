CREATE TABLE t506 (id bigint PRIMARY KEY, name text NOT NULL);
