CREATE TABLE t525 (id bigint PRIMARY KEY, name text NOT NULL);
