CREATE TABLE t456 (id bigint PRIMARY KEY, name text NOT NULL);
