CREATE TABLE t120 (id bigint PRIMARY KEY, name text NOT NULL);
