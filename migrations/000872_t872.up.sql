CREATE TABLE t872 (id bigint PRIMARY KEY, name text NOT NULL);
