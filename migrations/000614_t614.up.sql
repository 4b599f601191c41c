CREATE TABLE t614 (id bigint PRIMARY KEY, name text NOT NULL);
