CREATE TABLE t174 (id bigint PRIMARY KEY, name text NOT NULL);
