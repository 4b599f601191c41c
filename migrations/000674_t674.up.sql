CREATE TABLE t674 (id bigint PRIMARY KEY, name text NOT NULL);
