CREATE TABLE t562 (id bigint PRIMARY KEY, name text NOT NULL);
