CREATE TABLE t475 (id bigint PRIMARY KEY, name text NOT NULL);
