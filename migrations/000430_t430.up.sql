CREATE TABLE t430 (id bigint PRIMARY KEY, name text NOT NULL);
