CREATE TABLE t689 (id bigint PRIMARY KEY, name text NOT NULL);
