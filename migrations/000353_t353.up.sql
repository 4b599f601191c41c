CREATE TABLE t353 (id bigint PRIMARY KEY, name text NOT NULL);
